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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Disjoint LinUCB (Li, Chu, Langford and Schapire, 2010): one ridge regression per arm over a shared feature
 * vector, and the arm with the highest upper confidence bound {@code theta.x + alpha * sqrt(x' A^-1 x)} wins.
 *
 * <p>Each arm keeps {@code A^-1} (d x d, row-major {@code double[]}) and {@code b}; an update changes {@code A^-1}
 * by the Sherman-Morrison formula in O(d^2), so no decision or update inverts a matrix. {@code A} itself is kept
 * too, and every {@link Builder#reinvertEvery(int) n} updates of an arm its inverse is recomputed exactly
 * (Cholesky, Commons Math) to stop rounding drift.
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

  private LinUcb(Builder b) {
    this.dimension = b.dimension;
    this.alpha = b.alpha;
    this.lambda = b.lambda;
    this.reinvertEvery = b.reinvertEvery;
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
    List<Score> scores = scores(x, candidates);
    Score best = null;
    for (Score s : scores) {
      if (best == null || s.ucb() > best.ucb()) {
        best = s;
      }
    }
    return best;
  }

  /**
   * The score of each candidate for {@code x}, in the candidates' order. Candidates that are not arms yet are
   * added with a prior value of 0.5.
   */
  public List<Score> scores(double[] x, List<String> candidates) {
    checkVector(x);
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("no candidates");
    }
    int[] nz = nonZeros(x);
    List<Score> out = new ArrayList<>(candidates.size());
    for (String id : candidates) {
      out.add(arm(id, 0.5).score(x, nz, alpha));
    }
    return out;
  }

  /** Learns that {@code arm} earned {@code reward} for {@code x}; adds the arm (prior 0.5) if it is new. */
  public void update(String arm, double[] x, double reward) {
    checkVector(x);
    if (!Double.isFinite(reward)) {
      throw new IllegalArgumentException("reward must be finite but was " + reward);
    }
    arm(arm, 0.5).update(x, nonZeros(x), reward, reinvertEvery);
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
    a.lock.readLock().lock();
    try {
      return a.aInv.clone();
    } finally {
      a.lock.readLock().unlock();
    }
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

  private static int[] nonZeros(double[] x) {
    int n = 0;
    for (double v : x) {
      if (v != 0.0) {
        n++;
      }
    }
    int[] nz = new int[n];
    int k = 0;
    for (int i = 0; i < x.length; i++) {
      if (x[i] != 0.0) {
        nz[k++] = i;
      }
    }
    return nz;
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

  /** {@code m[offset..offset+n) . x[0..n)}, with four independent sums so the products pipeline. */
  private static double dot(double[] m, int offset, double[] x, int n) {
    double s0 = 0.0;
    double s1 = 0.0;
    double s2 = 0.0;
    double s3 = 0.0;
    int c = 0;
    for (; c + 3 < n; c += 4) {
      s0 += m[offset + c] * x[c];
      s1 += m[offset + c + 1] * x[c + 1];
      s2 += m[offset + c + 2] * x[c + 2];
      s3 += m[offset + c + 3] * x[c + 3];
    }
    for (; c < n; c++) {
      s0 += m[offset + c] * x[c];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** The same over the non-zero entries {@code nz} of {@code x} only. */
  private static double sparseDot(double[] m, int offset, double[] x, int[] nz) {
    double s = 0.0;
    for (int c : nz) {
      s += m[offset + c] * x[c];
    }
    return s;
  }

  private static final class Arm {
    final String id;
    final int d;
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    final double[] a;
    final double[] aInv;
    final double[] b;
    final double[] theta;
    final double[] xSum;
    long pulls;
    double rewardSum;
    double prior;
    int sinceReinvert;

    Arm(String id, int d, double lambda, double prior) {
      this.id = id;
      this.d = d;
      this.a = new double[d * d];
      this.aInv = new double[d * d];
      for (int i = 0; i < d; i++) {
        a[i * d + i] = lambda;
        aInv[i * d + i] = 1.0 / lambda;
      }
      this.b = new double[d];
      this.theta = new double[d];
      this.xSum = new double[d];
      this.prior = prior;
      // Warm start: theta = prior on the bias feature, so b = A theta = lambda * prior * e0.
      b[0] = lambda * prior;
      theta[0] = prior;
    }

    Score score(double[] x, int[] nz, double alpha) {
      lock.readLock().lock();
      try {
        double est = 0.0;
        double q = 0.0;
        boolean dense = nz.length * 2 > d;
        for (int r : nz) {
          double xr = x[r];
          est += theta[r] * xr;
          int row = r * d;
          // Mostly-set vectors: a plain dot product (four independent sums) beats skipping the zeros.
          double s = dense ? dot(aInv, row, x, d) : sparseDot(aInv, row, x, nz);
          q += xr * s;
        }
        return new Score(id, est, alpha * Math.sqrt(Math.max(0.0, q)), pulls);
      } finally {
        lock.readLock().unlock();
      }
    }

    void update(double[] x, int[] nz, double reward, int reinvertEvery) {
      double[] u = new double[d];
      lock.writeLock().lock();
      try {
        // u = A^-1 x; den = 1 + x' A^-1 x
        boolean dense = nz.length * 2 > d;
        for (int r = 0; r < d; r++) {
          int row = r * d;
          u[r] = dense ? dot(aInv, row, x, d) : sparseDot(aInv, row, x, nz);
        }
        double xu = 0.0;
        double xTheta = 0.0;
        for (int c : nz) {
          xu += x[c] * u[c];
          xTheta += x[c] * theta[c];
        }
        double den = 1.0 + xu;
        // A^-1 <- A^-1 - u u' / den (Sherman-Morrison; A^-1 stays symmetric)
        for (int r = 0; r < d; r++) {
          double ur = u[r] / den;
          if (ur == 0.0) {
            continue;
          }
          int row = r * d;
          for (int c = 0; c < d; c++) {
            aInv[row + c] -= ur * u[c];
          }
        }
        for (int r : nz) {
          int row = r * d;
          for (int c : nz) {
            a[row + c] += x[r] * x[c];
          }
          b[r] += reward * x[r];
          xSum[r] += x[r];
        }
        // theta' = A'^-1 b' = theta + u (reward - x.theta) / den
        double step = (reward - xTheta) / den;
        for (int r = 0; r < d; r++) {
          theta[r] += u[r] * step;
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
      double[][] m = new double[d][d];
      for (int r = 0; r < d; r++) {
        System.arraycopy(a, r * d, m[r], 0, d);
      }
      RealMatrix inv = new CholeskyDecomposition(new Array2DRowRealMatrix(m, false)).getSolver().getInverse();
      for (int r = 0; r < d; r++) {
        for (int c = 0; c < d; c++) {
          aInv[r * d + c] = inv.getEntry(r, c);
        }
      }
      for (int r = 0; r < d; r++) {
        double s = 0.0;
        for (int c = 0; c < d; c++) {
          s += aInv[r * d + c] * b[c];
        }
        theta[r] = s;
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
        put(n.putArray("a"), a);
        put(n.putArray("aInv"), aInv);
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
      read(n, "a", arm.a, id);
      read(n, "aInv", arm.aInv, id);
      read(n, "b", arm.b, id);
      read(n, "theta", arm.theta, id);
      read(n, "xSum", arm.xSum, id);
      return arm;
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
