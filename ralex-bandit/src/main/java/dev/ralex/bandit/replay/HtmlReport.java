package dev.ralex.bandit.replay;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A self-contained HTML page for a {@link ReplayEvaluator.Report}: an inline SVG quality-cost chart (x: cost as a
 * share of the best single model's, y: accuracy as a share of its accuracy), one labelled point per selector, the
 * LinUCB weights joined as a curve, the baselines and the oracle drawn as reference points, then the table. No
 * script, no external resource.
 */
public final class HtmlReport {
  private static final int W = 820;
  private static final int H = 520;
  private static final int LEFT = 70;
  private static final int RIGHT = 250;
  private static final int TOP = 30;
  private static final int BOTTOM = 60;

  private HtmlReport() {}

  /** The page for {@code report}. */
  public static String render(ReplayEvaluator.Report report) {
    Objects.requireNonNull(report, "report");
    List<ReplayEvaluator.SelectorResult> rs = report.selectors();
    double maxX = 1.05;
    double minY = 1.0;
    double maxY = 1.0;
    for (ReplayEvaluator.SelectorResult r : rs) {
      if (Double.isFinite(r.costShareOfBest())) {
        maxX = Math.max(maxX, r.costShareOfBest() * 1.05);
      }
      if (Double.isFinite(r.accuracyShareOfBest())) {
        minY = Math.min(minY, r.accuracyShareOfBest());
        maxY = Math.max(maxY, r.accuracyShareOfBest());
      }
    }
    minY = Math.max(0, Math.floor(minY * 10 - 0.5) / 10);
    maxY = Math.ceil(maxY * 20 + 0.5) / 20;
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" "
        + "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"accuracy versus cost, as shares of the best model\">%n",
        W, H, W, H));
    int plotW = W - LEFT - RIGHT;
    int plotH = H - TOP - BOTTOM;
    svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" "
        + "stroke=\"#999\"/>%n", LEFT, TOP, plotW, plotH));
    for (int i = 0; i <= 10; i++) {
      double x = maxX * i / 10;
      double px = LEFT + plotW * i / 10.0;
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
          + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%.0f%%</text>%n", px, TOP, px,
          TOP + plotH, px, TOP + plotH + 16, 100 * x));
    }
    int ySteps = (int) Math.round((maxY - minY) / 0.05);
    for (int i = 0; i <= ySteps; i++) {
      double y = minY + 0.05 * i;
      double py = TOP + plotH - plotH * (y - minY) / (maxY - minY);
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
          + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.0f%%</text>%n", LEFT, py,
          LEFT + plotW, py, LEFT - 6, py + 4, 100 * y));
    }
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">cost "
        + "as a share of the best model's (%s)</text>%n", LEFT + plotW / 2, H - 18,
        escape(report.data().bestModel())));
    svg.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" "
        + "transform=\"rotate(-90 16 %d)\">accuracy as a share of the best model's</text>%n", TOP + plotH / 2,
        TOP + plotH / 2));
    List<ReplayEvaluator.SelectorResult> curve = new ArrayList<>();
    for (ReplayEvaluator.SelectorResult r : rs) {
      if (isLinUcb(r)) {
        curve.add(r);
      }
    }
    curve.sort(Comparator.comparingDouble(ReplayEvaluator.SelectorResult::costShareOfBest));
    if (curve.size() > 1) {
      StringBuilder pts = new StringBuilder();
      for (ReplayEvaluator.SelectorResult r : curve) {
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(r, maxX, plotW), py(r, minY, maxY, plotH)));
      }
      svg.append("<polyline class=\"linucb-curve\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"")
          .append(pts.toString().strip()).append("\"/>\n");
    }
    int labelRow = 0;
    for (ReplayEvaluator.SelectorResult r : rs) {
      if (!Double.isFinite(r.costShareOfBest()) || !Double.isFinite(r.accuracyShareOfBest())) {
        continue;
      }
      double x = px(r, maxX, plotW);
      double y = py(r, minY, maxY, plotH);
      String kind = isLinUcb(r) ? "linucb" : isReference(r) ? "reference" : "learned";
      String colour = kind.equals("linucb") ? "#1f77b4" : kind.equals("reference") ? "#777" : "#d62728";
      String title = String.format(Locale.ROOT, "%s: accuracy %.1f%%, cost %.1f%% of the best model's", r.name(),
          100 * r.accuracyShareOfBest(), 100 * r.costShareOfBest());
      svg.append(String.format(Locale.ROOT, "<g class=\"point %s\" data-selector=\"%s\">", kind, escape(r.name())));
      if (kind.equals("reference")) {
        svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"none\" "
            + "stroke=\"%s\" stroke-width=\"1.5\"><title>%s</title></rect>", x - 4, y - 4, colour, escape(title)));
      } else {
        svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"><title>%s"
            + "</title></circle>", x, y, colour, escape(title)));
      }
      // Labels go in a legend column on the right, joined to their point by a faint line, so they never overlap.
      double ly = TOP + 10 + 16 * labelRow++;
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
          + "stroke-opacity=\"0.25\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" fill=\"%s\">%s</text></g>%n", x, y,
          LEFT + plotW + 8, ly - 4, colour, LEFT + plotW + 10, ly, colour, escape(shorten(r.name()))));
    }
    svg.append("</svg>\n");
    ReplayEvaluator.Summary d = report.data();
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>Replay evaluation: accuracy versus cost</title>\n")
        .append("<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
            + "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;"
            + "text-align:right}td:first-child,th:first-child{text-align:left}</style>\n</head>\n<body>\n")
        .append("<h1>Accuracy versus cost</h1>\n")
        .append(String.format(Locale.ROOT, "<p>%s, %d seeds averaged. Both axes are "
            + "shares of the best single model on the test prompts (%s). Blue: LinUCB at each cost weight, "
            + "joined; grey squares: baselines and the oracle (references); red: other learned selectors.</p>%n",
            d.folds() > 1
                ? String.format(Locale.ROOT, "%d-fold cross-validation, %d prompts each tested once", d.folds(),
                    d.testPrompts())
                : String.format(Locale.ROOT, "Train %d prompts, test %d prompts", d.trainPrompts(),
                    d.testPrompts()),
            d.seeds(), escape(d.bestModel())))
        .append(svg)
        .append("<table>\n<tr><th>selector</th><th>accuracy</th><th>cost ($)</th><th>accuracy vs best</th>"
            + "<th>cost vs best</th><th>regret</th><th>calls per prompt</th></tr>\n");
    for (ReplayEvaluator.SelectorResult r : rs) {
      html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.3f</td><td>%.3f</td><td>%.1f%%</td>"
          + "<td>%.1f%%</td><td>%.1f</td><td>%.2f</td></tr>%n", escape(r.name()), r.accuracy(), r.cost(),
          100 * r.accuracyShareOfBest(), 100 * r.costShareOfBest(), r.regret(), r.callsPerPrompt()));
    }
    html.append("</table>\n</body>\n</html>\n");
    return html.toString();
  }

  private static double px(ReplayEvaluator.SelectorResult r, double maxX, int plotW) {
    return LEFT + plotW * Math.min(1.0, r.costShareOfBest() / maxX);
  }

  private static double py(ReplayEvaluator.SelectorResult r, double minY, double maxY, int plotH) {
    double y = Math.max(minY, Math.min(maxY, r.accuracyShareOfBest()));
    return TOP + plotH - plotH * (y - minY) / (maxY - minY);
  }

  private static boolean isLinUcb(ReplayEvaluator.SelectorResult r) {
    return r.name().startsWith("linucb");
  }

  private static boolean isReference(ReplayEvaluator.SelectorResult r) {
    String n = r.name();
    return n.startsWith("always-") || n.startsWith("random") || n.startsWith("best-mix") || n.startsWith("oracle");
  }

  private static String shorten(String name) {
    return name.length() <= 40 ? name : name.substring(0, 39) + "…";
  }

  /** Escapes text for HTML content and attributes. */
  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
        .replace("'", "&#39;");
  }
}
