package dev.ralex.bandit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.junit.jupiter.api.Test;

class LinUcbTest {
  @Test
  void shermanMorrisonMatchesADirectInverseAfterManyUpdates() {
    qt().withExamples(60)
        .forAll(integers().between(1, 24), integers().between(1, 400), longs().all())
        .checkAssert((d, updates, seed) -> {
          Random rnd = new Random(seed);
          LinUcb bandit = LinUcb.builder(d).reinvertEvery(0).build();
          bandit.addArm("a", 0.5);
          RealMatrix a = new Array2DRowRealMatrix(d, d);
          RealVector b = new ArrayRealVector(d);
          for (int i = 0; i < d; i++) {
            a.setEntry(i, i, LinUcb.DEFAULT_LAMBDA);
          }
          b.setEntry(0, LinUcb.DEFAULT_LAMBDA * 0.5);
          for (int u = 0; u < updates; u++) {
            double[] x = new double[d];
            x[0] = 1.0;
            for (int i = 1; i < d; i++) {
              x[i] = rnd.nextDouble() < 0.4 ? 0.0 : rnd.nextDouble();
            }
            double r = rnd.nextDouble();
            bandit.update("a", x, r);
            RealVector xv = new ArrayRealVector(x);
            a = a.add(xv.outerProduct(xv));
            b = b.add(xv.mapMultiply(r));
          }
          RealMatrix inverse = new LUDecomposition(a).getSolver().getInverse();
          double[] got = bandit.inverse("a");
          for (int r = 0; r < d; r++) {
            for (int c = 0; c < d; c++) {
              assertThat(got[r * d + c]).isCloseTo(inverse.getEntry(r, c), org.assertj.core.data.Offset.offset(1e-9));
            }
          }
          // theta = A^-1 b: the estimate for a probe vector matches the direct solution.
          double[] probe = new double[d];
          for (int i = 0; i < d; i++) {
            probe[i] = rnd.nextDouble();
          }
          double expected = inverse.operate(b).dotProduct(new ArrayRealVector(probe));
          assertThat(bandit.scores(probe, List.of("a")).get(0).estimate())
              .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
        });
  }

  @Test
  void scoresOfSparseAndDenseVectorsMatchADirectComputation() {
    qt().withExamples(80)
        .forAll(integers().between(1, 40), integers().between(0, 100), longs().all())
        .checkAssert((d, zeroPercent, seed) -> {
          Random rnd = new Random(seed);
          LinUcb bandit = LinUcb.builder(d).alpha(1.5).reinvertEvery(0).build();
          RealMatrix a = new Array2DRowRealMatrix(d, d);
          RealVector b = new ArrayRealVector(d);
          for (int i = 0; i < d; i++) {
            a.setEntry(i, i, LinUcb.DEFAULT_LAMBDA);
          }
          b.setEntry(0, LinUcb.DEFAULT_LAMBDA * 0.5);
          for (int u = 0; u < 30; u++) {
            double[] x = vector(rnd, d, zeroPercent);
            double r = rnd.nextDouble();
            bandit.update("a", x, r);
            RealVector xv = new ArrayRealVector(x);
            a = a.add(xv.outerProduct(xv));
            b = b.add(xv.mapMultiply(r));
          }
          RealMatrix inverse = new LUDecomposition(a).getSolver().getInverse();
          RealVector theta = inverse.operate(b);
          for (int p = 0; p < 10; p++) {
            double[] x = vector(rnd, d, zeroPercent);
            RealVector xv = new ArrayRealVector(x);
            LinUcb.Score s = bandit.scores(x, List.of("a")).get(0);
            assertThat(s.estimate()).isCloseTo(theta.dotProduct(xv), org.assertj.core.data.Offset.offset(1e-9));
            assertThat(s.bonus()).isCloseTo(1.5 * Math.sqrt(inverse.operate(xv).dotProduct(xv)),
                org.assertj.core.data.Offset.offset(1e-9));
          }
        });
  }

  /** Entries in [0, 1), each zero with the given chance in percent (the bias too, to reach all-zero vectors). */
  private static double[] vector(Random rnd, int d, int zeroPercent) {
    double[] x = new double[d];
    for (int i = 0; i < d; i++) {
      x[i] = rnd.nextInt(100) < zeroPercent ? 0.0 : rnd.nextDouble();
    }
    return x;
  }

  @Test
  void theInverseStaysExactlySymmetric() {
    int d = 13;
    LinUcb bandit = LinUcb.builder(d).reinvertEvery(10).build();
    Random rnd = new Random(5);
    for (int u = 0; u < 95; u++) {
      bandit.update("a", vector(rnd, d, 30), rnd.nextDouble());
      double[] m = bandit.inverse("a");
      for (int r = 0; r < d; r++) {
        for (int c = 0; c < r; c++) {
          assertThat(m[r * d + c]).isEqualTo(m[c * d + r]);
        }
      }
    }
  }

  @Test
  void decideTakesTheFirstHighestScore() {
    LinUcb bandit = LinUcb.builder(6).build();
    Random rnd = new Random(9);
    List<String> arms = List.of("a", "b", "c", "d");
    for (int u = 0; u < 200; u++) {
      double[] x = vector(rnd, 6, 40);
      LinUcb.Score chosen = bandit.decide(x, arms);
      LinUcb.Score best = null;
      for (LinUcb.Score s : bandit.scores(x, arms)) {
        if (best == null || s.ucb() > best.ucb()) {
          best = s;
        }
      }
      assertThat(chosen).isEqualTo(best);
      bandit.update(arms.get(rnd.nextInt(arms.size())), x, rnd.nextDouble());
    }
    // Unseen arms score alike: the first candidate wins the tie.
    assertThat(LinUcb.builder(3).build().decide(new double[] {1, 0, 0}, List.of("y", "x")).arm()).isEqualTo("y");
  }

  @Test
  void periodicReinversionKeepsTheInverseExact() {
    int d = 8;
    LinUcb bandit = LinUcb.builder(d).reinvertEvery(7).build();
    LinUcb plain = LinUcb.builder(d).reinvertEvery(0).build();
    Random rnd = new Random(3);
    for (int u = 0; u < 100; u++) {
      double[] x = new double[d];
      for (int i = 0; i < d; i++) {
        x[i] = rnd.nextDouble();
      }
      bandit.update("a", x, 0.3);
      plain.update("a", x, 0.3);
    }
    double[] p = bandit.inverse("a");
    double[] q = plain.inverse("a");
    for (int i = 0; i < p.length; i++) {
      assertThat(p[i]).isCloseTo(q[i], org.assertj.core.data.Offset.offset(1e-12));
    }
  }

  @Test
  void anUnseenArmIsWorthItsPrior() {
    LinUcb bandit = LinUcb.builder(3).build();
    bandit.addArm("a", 0.7);
    LinUcb.Score s = bandit.scores(new double[] {1, 0, 0}, List.of("a")).get(0);
    assertThat(s.estimate()).isEqualTo(0.7);
    assertThat(s.bonus()).isCloseTo(LinUcb.DEFAULT_ALPHA * Math.sqrt(1 / 100.0), org.assertj.core.data.Offset.offset(1e-12));
    assertThat(bandit.stats().get("a")).isEqualTo(new LinUcb.ArmStats(0, 0.0, 0.7));
  }

  @Test
  void jsonRoundTripKeepsEveryNumber() {
    LinUcb bandit = LinUcb.builder(5).alpha(0.3).build();
    Random rnd = new Random(1);
    for (int u = 0; u < 50; u++) {
      double[] x = {1, rnd.nextDouble(), rnd.nextDouble(), 0, rnd.nextDouble()};
      bandit.update(u % 2 == 0 ? "a" : "b", x, rnd.nextDouble());
    }
    StringWriter out = new StringWriter();
    bandit.save(out);
    LinUcb copy = LinUcb.load(new StringReader(out.toString()));
    assertThat(copy.alpha()).isEqualTo(0.3);
    assertThat(copy.stats()).isEqualTo(bandit.stats());
    assertThat(copy.inverse("a")).containsExactly(bandit.inverse("a"));
    double[] probe = {1, 0.2, 0.4, 0.6, 0.8};
    assertThat(copy.scores(probe, List.of("a", "b"))).isEqualTo(bandit.scores(probe, List.of("a", "b")));
  }

  @Test
  void rejectsBadInput() {
    LinUcb bandit = LinUcb.builder(2).build();
    assertThatThrownBy(() -> bandit.update("a", new double[3], 1)).hasMessageContaining("expected 2");
    assertThatThrownBy(() -> LinUcb.builder(2).lambda(0).build()).hasMessageContaining("lambda");
    assertThatThrownBy(() -> LinUcb.load(new StringReader("{}"))).hasMessageContaining("not a LinUCB state");
  }
}
