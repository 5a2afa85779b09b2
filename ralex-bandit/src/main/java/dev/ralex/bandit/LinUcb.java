package dev.ralex.bandit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;

/**
 * Disjoint LinUCB (Li, Chu, Langford and Schapire, 2010): one ridge regression per arm over a shared feature
 * vector, and the arm with the highest upper confidence bound {@code theta.x + alpha * sqrt(x' A^-1 x)} wins.
 *
 * <p>Each arm keeps {@code A^-1} (d x d, row-major {@code double[]}, exactly symmetric), {@code b} and
 * {@code theta = A^-1 b}; an update changes {@code A^-1} by the Sherman-Morrison formula and {@code theta} with
 * it in O(d^2), so no decision or update inverts a matrix, and a decision costs one O(d^2 / 2) quadratic form
 * per arm. {@code A} itself is kept too, and every {@link Builder#reinvertEvery(int) n} updates of an arm its
 * inverse is recomputed exactly (Cholesky, Commons Math) to stop rounding drift.
 *
 * <p>The ridge prior {@code A = lambda I} is strong by default (100): with rewards in [0, 1] and features in
 * about [0, 1], a weak prior (1) lets a handful of noisy rewards swing an arm's estimate. An arm starts at its
 * {@linkplain #addArm(String, double) prior value} (a warm start): its weight on the bias feature (index 0) is
 * that value, so an unseen arm is predicted to earn it.
 *
 * <p>Thread-safe: arms live in a concurrent map, and each arm has its own read-write lock. A decision reads one
 * arm at a time under its read lock (so it sees each arm in a consistent state, but not all arms at one
 * instant); an update holds only its arm's write lock. Decisions run in parallel with each other and with
 * updates of other arms.
 */
public final class LinUcb {
  /** The default ridge prior. */
  public static final double DEFAULT_LAMBDA = 100.0;
  /**
   * The default exploration weight. Under the prior an unseen arm's bonus is {@code alpha * |x| / sqrt(lambda)},
   * so with lambda 100 and a typical |x| of 1.5 to 2 an alpha of 3 lets an untried arm outbid a tried one worth
   * up to about 0.5 more; with alpha 1, one arm that beats the prior a little is never challenged.
   */
  public static final double DEFAULT_ALPHA = 3.0;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FORMAT = 1;

  private final int dimension;
  private final double alpha;
  private final double lambda;
  private final int reinvertEvery;
  private final ConcurrentHashMap<String, Arm> arms = new ConcurrentHashMap<>();
  // Decisions run in parallel under read locks, so their working arrays are per thread, not per arm.
  private final ThreadLocal<Scratch> scratch;

  private LinUcb(Builder b) {
    this.dimension = b.dimension;
    this.alpha = b.alpha;
    this.lambda = b.lambda;
    this.reinvertEvery = b.reinvertEvery;
    int d = b.dimension;
    this.scratch = ThreadLocal.withInitial(() -> new Scratch(d));
  }

  /** A builder for a bandit over feature vectors of {@code dimension} entries, the first being the bias (1). */
  public static Builder builder(int dimension) {
    return new Builder(dimension);
  }

  /** The length of the feature vectors. */
  public int dimension() {
    return dimension;
  }

  /** The exploration weight. */
  public double alpha() {
    return alpha;
  }

  /** The ridge prior. */
  public double lambda() {
    return lambda;
  }

  /**
   * Adds an arm whose value is {@code priorValue} until it learns otherwise; does nothing if the arm exists.
   *
   * @return whether the arm was added
   */
  public boolean addArm(String id, double priorValue) {
    Objects.requireNonNull(id, "id");
    if (!Double.isFinite(priorValue)) {
      throw new IllegalArgumentException("priorValue must be finite but was " + priorValue);
    }
    return arms.putIfAbsent(id, new Arm(id, dimension, lambda, priorValue)) == null;
  }

  /** Whether the arm exists. */
  public boolean hasArm(String id) {
    return arms.containsKey(id);
  }

  /** The arms' ids, in no particular order. */
  public List<String> arms() {
    return new ArrayList<>(arms.keySet());
  }

  /**
   * The arm with the highest upper confidence bound for {@code x} among {@code candidates}; ties go to the
   * earlier candidate. Candidates that are not arms yet are added with a prior value of 0.5.
   */
  public Score decide(double[] x, List<String> candidates) {
    Scratch s = prepare(x, candidates);
    String bestId = null;
    double bestEstimate = 0.0;
    double bestBonus = 0.0;
    long bestPulls = 0;
    for (int i = 0, n = candidates.size(); i < n; i++) {
      String id = candidates.get(i);
      arm(id, 0.5).score(x, s, alpha);
      // The same sum as Score.ucb(), so the winner is the one scores() would rank first.
      if (bestId == null || s.estimate + s.bonus > bestEstimate + bestBonus) {
        bestId = id;
        bestEstimate = s.estimate;
        bestBonus = s.bonus;
        bestPulls = s.pulls;
      }
    }
    return new Score(bestId, bestEstimate, bestBonus, bestPulls);
  }

  /**
   * The score of each candidate for {@code x}, in the candidates' order. Candidates that are not arms yet are
   * added with a prior value of 0.5.
   */
  public List<Score> scores(double[] x, List<String> candidates) {
    Scratch s = prepare(x, candidates);
    List<Score> out = new ArrayList<>(candidates.size());
    for (String id : candidates) {
      arm(id, 0.5).score(x, s, alpha);
      out.add(new Score(id, s.estimate, s.bonus, s.pulls));
    }
    return out;
  }

  private Scratch prepare(double[] x, List<String> candidates) {
    checkVector(x);
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("no candidates");
    }
    Scratch s = scratch.get();
    s.nonZeros = nonZeros(x, s.nz);
    return s;
  }

  /** Learns that {@code arm} earned {@code reward} for {@code x}; adds the arm (prior 0.5) if it is new. */
  public void update(String arm, double[] x, double reward) {
    checkVector(x);
    if (!Double.isFinite(reward)) {
      throw new IllegalArgumentException("reward must be finite but was " + reward);
    }
    arm(arm, 0.5).update(x, reward, reinvertEvery);
  }

  /** Each arm's statistics, by id, sorted by id. */
  public Map<String, ArmStats> stats() {
    Map<String, ArmStats> out = new LinkedHashMap<>();
    arms.keySet().stream().sorted().forEach(id -> out.put(id, arms.get(id).stats()));
    return out;
  }

  /** A copy of the arm's current {@code A^-1}, row-major; for tests and diagnostics. */
  public double[] inverse(String arm) {
    Arm a = arms.get(arm);
    if (a == null) {
      throw new IllegalArgumentException("no arm " + arm);
    }
    return a.inverse();
  }

  /** Writes the whole state (settings and every arm) as JSON. */
  public void save(Writer out) {
    Objects.requireNonNull(out, "out");
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("dimension", dimension);
    root.put("alpha", alpha);
    root.put("lambda", lambda);
    root.put("reinvertEvery", reinvertEvery);
    ArrayNode list = root.putArray("arms");
    for (String id : stats().keySet()) {
      arms.get(id).writeTo(list.addObject());
    }
    try {
      JSON.writerWithDefaultPrettyPrinter().writeValue(out, root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads a state written by {@link #save(Writer)}.
   *
   * @throws IllegalArgumentException if the JSON is not such a state
   */
  public static LinUcb load(Reader in) {
    Objects.requireNonNull(in, "in");
    JsonNode root;
    try {
      root = JSON.readTree(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a LinUCB state: " + e.getMessage(), e);
    }
    if (root == null || root.path("format").asInt() != FORMAT) {
      throw new IllegalArgumentException("not a LinUCB state of format " + FORMAT);
    }
    LinUcb bandit = builder(root.path("dimension").asInt())
        .alpha(root.path("alpha").asDouble())
        .lambda(root.path("lambda").asDouble())
        .reinvertEvery(root.path("reinvertEvery").asInt())
        .build();
    for (JsonNode a : root.path("arms")) {
      Arm arm = Arm.readFrom(a, bandit.dimension);
      bandit.arms.put(arm.id, arm);
    }
    return bandit;
  }

  /**
   * This bandit's arms under another exploration weight, for a state loaded from a file whose configuration
   * changed alpha: alpha only scales the bonus of each decision, so the learned matrices stay valid (lambda,
   * which is part of them, cannot change). The arms are shared, not copied: this bandit must not be used after.
   */
  LinUcb withAlpha(double newAlpha) {
    LinUcb copy = builder(dimension).alpha(newAlpha).lambda(lambda).reinvertEvery(reinvertEvery).build();
    copy.arms.putAll(arms);
    return copy;
  }

  private Arm arm(String id, double prior) {
    Objects.requireNonNull(id, "arm");
    Arm a = arms.get(id);
    return a != null ? a : arms.computeIfAbsent(id, k -> new Arm(k, dimension, lambda, prior));
  }

  private void checkVector(double[] x) {
    Objects.requireNonNull(x, "x");
    if (x.length != dimension) {
      throw new IllegalArgumentException("feature vector has " + x.length + " entries, expected " + dimension);
    }
  }

  /** Writes the indices of {@code x}'s non-zero entries, ascending, into {@code nz}; returns how many. */
  private static int nonZeros(double[] x, int[] nz) {
    int n = 0;
    for (int i = 0; i < x.length; i++) {
      if (x[i] != 0.0) {
        nz[n++] = i;
      }
    }
    return n;
  }

  /**
   * One arm's score for one feature vector.
   *
   * @param arm the arm's id
   * @param estimate the predicted reward, {@code theta.x}
   * @param bonus the exploration bonus, {@code alpha * sqrt(x' A^-1 x)}
   * @param pulls the updates the arm has had
   */
  public record Score(String arm, double estimate, double bonus, long pulls) {
    /** The upper confidence bound: estimate plus bonus. */
    public double ucb() {
      return estimate + bonus;
    }
  }

  /**
   * One arm's statistics.
   *
   * @param pulls the updates the arm has had
   * @param meanReward the mean reward of those updates; 0 before any
   * @param estimatedValue the predicted reward for the mean of the feature vectors it was updated with (its
   *     prior value before any update)
   */
  public record ArmStats(long pulls, double meanReward, double estimatedValue) {}

  // The kernels below are axpy loops: C2 vectorizes those (never a sum of doubles, whose order Java fixes), but
  // only when both arrays are indexed alike; with y[i] and m[offset + i] it must assume the two may overlap and
  // stays scalar. Hence the matrices are arrays of rows.

  /** {@code y[from..to) += a * v[from..to)}. */
  private static void axpy(double[] y, int from, int to, double a, double[] v) {
    for (int i = from; i < to; i++) {
      y[i] += a * v[i];
    }
  }

  /**
   * {@code y[from..to) += a0 v0 + a1 v1 + a2 v2 + a3 v3}: four rows per pass load and store {@code y} a quarter as
   * often as one row per pass, and measured about twice as fast at d = 64.
   */
  private static void axpy4(double[] y, int from, int to, double a0, double[] v0, double a1, double[] v1,
      double a2, double[] v2, double a3, double[] v3) {
    for (int i = from; i < to; i++) {
      y[i] += a0 * v0[i] + a1 * v1[i] + a2 * v2[i] + a3 * v3[i];
    }
  }

  /** {@code y -= a * v}, over the whole of {@code y}. */
  private static void subtractScaled(double[] y, double a, double[] v) {
    for (int i = 0; i < y.length; i++) {
      y[i] -= a * v[i];
    }
  }

  /** One thread's working arrays for a decision, and the last arm's score. */
  private static final class Scratch {
    final int[] nz;
    final double[] acc;
    int nonZeros;
    double estimate;
    double bonus;
    long pulls;

    Scratch(int d) {
      nz = new int[d];
      acc = new double[d];
    }
  }

  private static final class Arm {
    final String id;
    final int d;
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    // A's lower triangle (row r has r + 1 entries): A is only read to re-invert it and to save it.
    final double[][] a;
    final double[][] aInv;
    final double[] b;
    final double[] theta;
    final double[] xSum;
    // Working arrays of update(), used under the write lock only: no allocation per update.
    final double[] u;
    final int[] nz;
    long pulls;
    double rewardSum;
    double prior;
    int sinceReinvert;

    Arm(String id, int d, double lambda, double prior) {
      this.id = id;
      this.d = d;
      this.a = new double[d][];
      this.aInv = new double[d][d];
      for (int i = 0; i < d; i++) {
        a[i] = new double[i + 1];
        a[i][i] = lambda;
        aInv[i][i] = 1.0 / lambda;
      }
      this.b = new double[d];
      this.theta = new double[d];
      this.xSum = new double[d];
      this.u = new double[d];
      this.nz = new int[d];
      this.prior = prior;
      // Warm start: theta = prior on the bias feature, so b = A theta = lambda * prior * e0.
      b[0] = lambda * prior;
      theta[0] = prior;
    }

    /** Puts this arm's estimate, bonus and pulls for {@code x} (non-zeros already in {@code s}) into {@code s}. */
    void score(double[] x, Scratch s, double alpha) {
      lock.readLock().lock();
      try {
        computeScore(x, s, alpha);
      } finally {
        lock.readLock().unlock();
      }
    }

    /** Called under the read lock. */
    private void computeScore(double[] x, Scratch s, double alpha) {
      int[] nz = s.nz;
      int n = s.nonZeros;
      double[] acc = s.acc;
      double est = 0.0;
      for (int k = 0; k < n; k++) {
        int i = nz[k];
        est += theta[i] * x[i];
      }
      // x' M x = sum_i x_i (M_ii x_i + 2 acc_i) with acc_i = sum_{j > i} x_j M_ji: only the lower triangle is
      // read (M is exactly symmetric), half the work and memory traffic of M x, and as row axpys it vectorizes.
      // acc is needed at the non-zeros of x only; elsewhere it collects whatever the vector loops write.
      double q = 0.0;
      if (n > 0) {
        int first = nz[0];
        Arrays.fill(acc, first, nz[n - 1] + 1, 0.0);
        int k = 1;
        // Rows left over from the blocks of four go first, where the triangle's rows are shortest.
        for (int single = (n - 1) % 4; k <= single; k++) {
          int j = nz[k];
          axpy(acc, first, j, x[j], aInv[j]);
        }
        for (; k < n; k += 4) {
          int j0 = nz[k];
          int j1 = nz[k + 1];
          int j2 = nz[k + 2];
          int j3 = nz[k + 3];
          double x1 = x[j1];
          double x2 = x[j2];
          double x3 = x[j3];
          double[] r1 = aInv[j1];
          double[] r2 = aInv[j2];
          double[] r3 = aInv[j3];
          axpy4(acc, first, j0, x[j0], aInv[j0], x1, r1, x2, r2, x3, r3);
          // The four rows' entries at or past j0 that the quadratic form needs: the non-zeros j0 to j2.
          acc[j0] += x1 * r1[j0] + x2 * r2[j0] + x3 * r3[j0];
          acc[j1] += x2 * r2[j1] + x3 * r3[j1];
          acc[j2] += x3 * r3[j2];
        }
        for (k = 0; k < n; k++) {
          int i = nz[k];
          double xi = x[i];
          q += xi * (aInv[i][i] * xi + 2.0 * acc[i]);
        }
      }
      s.estimate = est;
      s.bonus = alpha * Math.sqrt(Math.max(0.0, q));
      s.pulls = pulls;
    }

    void update(double[] x, double reward, int reinvertEvery) {
      lock.writeLock().lock();
      try {
        int n = nonZeros(x, nz);
        // u = A^-1 x as a sum of rows (A^-1 is symmetric), skipping the zeros of x.
        Arrays.fill(u, 0.0);
        int k = 0;
        for (; k + 3 < n; k += 4) {
          int j0 = nz[k];
          int j1 = nz[k + 1];
          int j2 = nz[k + 2];
          int j3 = nz[k + 3];
          axpy4(u, 0, d, x[j0], aInv[j0], x[j1], aInv[j1], x[j2], aInv[j2], x[j3], aInv[j3]);
        }
        for (; k < n; k++) {
          int j = nz[k];
          axpy(u, 0, d, x[j], aInv[j]);
        }
        double xu = 0.0;
        double xTheta = 0.0;
        for (k = 0; k < n; k++) {
          int c = nz[k];
          xu += x[c] * u[c];
          xTheta += x[c] * theta[c];
        }
        double den = 1.0 + xu;
        // theta' = A'^-1 b' = theta + u (reward - x.theta) / den
        double step = (reward - xTheta) / den;
        for (int r = 0; r < d; r++) {
          theta[r] += u[r] * step;
        }
        // A^-1 <- A^-1 - v v' with v = u / sqrt(den) (Sherman-Morrison). v_r * v_c is bitwise v_c * v_r, so
        // A^-1 stays exactly symmetric, which the decisions' lower-triangle quadratic form relies on.
        double scale = 1.0 / Math.sqrt(den);
        for (int r = 0; r < d; r++) {
          u[r] *= scale;
        }
        for (int r = 0; r < d; r++) {
          double vr = u[r];
          if (vr != 0.0) {
            subtractScaled(aInv[r], vr, u);
          }
        }
        if (n * 2 > d) {
          // Adding x_r * 0 leaves an entry unchanged, so whole rows cost nothing in exactness and vectorize.
          for (k = 0; k < n; k++) {
            int r = nz[k];
            axpy(a[r], 0, r + 1, x[r], x);
          }
        } else {
          for (k = 0; k < n; k++) {
            int r = nz[k];
            double[] row = a[r];
            double xr = x[r];
            for (int l = 0; l <= k; l++) {
              int c = nz[l];
              row[c] += xr * x[c];
            }
          }
        }
        for (k = 0; k < n; k++) {
          int r = nz[k];
          b[r] += reward * x[r];
          xSum[r] += x[r];
        }
        pulls++;
        rewardSum += reward;
        if (reinvertEvery > 0 && ++sinceReinvert >= reinvertEvery) {
          reinvert();
        }
      } finally {
        lock.writeLock().unlock();
      }
    }

    /** Recomputes A^-1 and theta exactly from A and b. Called under the write lock. */
    private void reinvert() {
      sinceReinvert = 0;
      double[][] inv = new CholeskyDecomposition(new Array2DRowRealMatrix(full(a), false)).getSolver()
          .getInverse().getData();
      for (int r = 0; r < d; r++) {
        System.arraycopy(inv[r], 0, aInv[r], 0, d);
      }
      symmetrize(aInv);
      Arrays.fill(theta, 0.0);
      for (int c = 0; c < d; c++) {
        axpy(theta, 0, d, b[c], aInv[c]);
      }
    }

    /** Averages each pair of mirrored entries that differ (a computed inverse is symmetric only to rounding). */
    static void symmetrize(double[][] m) {
      for (int r = 1; r < m.length; r++) {
        for (int c = 0; c < r; c++) {
          double p = m[r][c];
          double q = m[c][r];
          if (p != q) {
            double mean = 0.5 * (p + q);
            m[r][c] = mean;
            m[c][r] = mean;
          }
        }
      }
    }

    /** A^-1, row-major in one array. */
    double[] inverse() {
      lock.readLock().lock();
      try {
        return flatten(aInv);
      } finally {
        lock.readLock().unlock();
      }
    }

    ArmStats stats() {
      lock.readLock().lock();
      try {
        if (pulls == 0) {
          return new ArmStats(0, 0.0, prior);
        }
        double est = 0.0;
        for (int i = 0; i < d; i++) {
          est += theta[i] * xSum[i] / pulls;
        }
        return new ArmStats(pulls, rewardSum / pulls, est);
      } finally {
        lock.readLock().unlock();
      }
    }

    void writeTo(ObjectNode n) {
      lock.readLock().lock();
      try {
        n.put("id", id);
        n.put("prior", prior);
        n.put("pulls", pulls);
        n.put("rewardSum", rewardSum);
        n.put("sinceReinvert", sinceReinvert);
        put(n.putArray("a"), flatten(full(a)));
        put(n.putArray("aInv"), flatten(aInv));
        put(n.putArray("b"), b);
        put(n.putArray("theta"), theta);
        put(n.putArray("xSum"), xSum);
      } finally {
        lock.readLock().unlock();
      }
    }

    static Arm readFrom(JsonNode n, int d) {
      String id = n.path("id").asText(null);
      if (id == null) {
        throw new IllegalArgumentException("an arm without an id");
      }
      Arm arm = new Arm(id, d, 1.0, n.path("prior").asDouble());
      arm.pulls = n.path("pulls").asLong();
      arm.rewardSum = n.path("rewardSum").asDouble();
      arm.sinceReinvert = n.path("sinceReinvert").asInt();
      double[][] a = new double[d][d];
      readRows(n, "a", a, id);
      for (int r = 0; r < d; r++) {
        System.arraycopy(a[r], 0, arm.a[r], 0, r + 1);
      }
      readRows(n, "aInv", arm.aInv, id);
      // States written before A^-1 was kept exactly symmetric may differ from it by rounding.
      symmetrize(arm.aInv);
      read(n, "b", arm.b, id);
      read(n, "theta", arm.theta, id);
      read(n, "xSum", arm.xSum, id);
      return arm;
    }

    /** The symmetric matrix whose lower triangle is {@code lower}. */
    private static double[][] full(double[][] lower) {
      int d = lower.length;
      double[][] m = new double[d][d];
      for (int r = 0; r < d; r++) {
        for (int c = 0; c <= r; c++) {
          m[r][c] = lower[r][c];
          m[c][r] = lower[r][c];
        }
      }
      return m;
    }

    private static double[] flatten(double[][] rows) {
      int d = rows.length;
      double[] out = new double[d * d];
      for (int r = 0; r < d; r++) {
        System.arraycopy(rows[r], 0, out, r * d, d);
      }
      return out;
    }

    private static void readRows(JsonNode n, String field, double[][] into, String id) {
      int d = into.length;
      double[] flat = new double[d * d];
      read(n, field, flat, id);
      for (int r = 0; r < d; r++) {
        System.arraycopy(flat, r * d, into[r], 0, d);
      }
    }

    private static void put(ArrayNode array, double[] values) {
      for (double v : values) {
        array.add(v);
      }
    }

    private static void read(JsonNode n, String field, double[] into, String id) {
      JsonNode array = n.path(field);
      if (!array.isArray() || array.size() != into.length) {
        throw new IllegalArgumentException(
            "arm " + id + ": '" + field + "' must be an array of " + into.length + " numbers");
      }
      for (int i = 0; i < into.length; i++) {
        into[i] = array.get(i).asDouble();
      }
    }
  }

  /** Builds a {@link LinUcb}; not thread-safe. */
  public static final class Builder {
    private final int dimension;
    private double alpha = DEFAULT_ALPHA;
    private double lambda = DEFAULT_LAMBDA;
    private int reinvertEvery = 4096;

    private Builder(int dimension) {
      this.dimension = dimension;
    }

    /** Sets the exploration weight, {@code >= 0}; defaults to {@value #DEFAULT_ALPHA}. */
    public Builder alpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** Sets the ridge prior, {@code > 0}; defaults to {@value #DEFAULT_LAMBDA}. */
    public Builder lambda(double lambda) {
      this.lambda = lambda;
      return this;
    }

    /** Sets how many updates of an arm pass between exact re-inversions; 0 never; defaults to 4096. */
    public Builder reinvertEvery(int reinvertEvery) {
      this.reinvertEvery = reinvertEvery;
      return this;
    }

    /** Validates and builds the bandit. */
    public LinUcb build() {
      if (dimension < 1) {
        throw new IllegalArgumentException("dimension must be at least 1 but was " + dimension);
      }
      if (!(alpha >= 0.0) || Double.isInfinite(alpha)) {
        throw new IllegalArgumentException("alpha must be finite and >= 0 but was " + alpha);
      }
      if (!(lambda > 0.0) || Double.isInfinite(lambda)) {
        throw new IllegalArgumentException("lambda must be finite and > 0 but was " + lambda);
      }
      if (reinvertEvery < 0) {
        throw new IllegalArgumentException("reinvertEvery must not be negative but was " + reinvertEvery);
      }
      return new LinUcb(this);
    }
  }
}
