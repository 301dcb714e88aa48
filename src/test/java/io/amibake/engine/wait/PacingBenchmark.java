package io.amibake.engine.wait;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What PollPlan's choice of where looks begin and how dense they are costs and buys, on
 * WaitPacingPropertyTest's 200 seeded random clouds at real time (a virtual clock: no timing,
 * the same figures on every machine): looks per bake for three bakes in a row, and the third
 * bake's waits over its critical path (mean and worst), on the steady clouds and on the varied
 * ones, for the default plan and the plans it was chosen over.
 *
 * <p>Run with {@code mvn -B -o test -Pbench -Dtest=PacingBenchmark}.
 */
class PacingBenchmark {

    @Test
    void looksAndTimeOfThreeBakesOnRandomClouds() throws Exception {
        Duration min = PollPlan.DEFAULT.minDelay();
        Duration max = PollPlan.DEFAULT.maxDelay();
        Map<String, PollPlan> plans = new LinkedHashMap<>();
        plans.put("from L, 6 across (until 2026-12-07)", new PollPlan(min, max, 0.25, 6, 2));
        plans.put("from E·e^-σ, 6 across", new PollPlan(min, max, 0.25, 6, 1));
        plans.put("from E, 8 across", new PollPlan(min, max, 0.25, 8, 0));
        plans.put("from E·e^-σ, 8 across (default)", PollPlan.DEFAULT);
        System.out.printf("%nPacingBenchmark: %d clouds, three bakes each (agent, 3 commands, stop, image,"
                + " termination, 7 copies), learned waits looked at in earnest from F%n", WaitPacingPropertyTest.CLOUDS);
        System.out.printf("  %-36s %-7s %23s %24s%n", "plan", "clouds", "looks per bake 1, 2, 3",
                "3rd over path: mean, worst");
        for (var plan : plans.entrySet()) {
            double[][] looks = new double[2][3];
            double[] meanRatio = new double[2];
            double[] worstRatio = new double[2];
            int[] clouds = new int[2];
            for (long seed = 1; seed <= WaitPacingPropertyTest.CLOUDS; seed++) {
                List<WaitPacingPropertyTest.Bake> bakes = WaitPacingPropertyTest.threeBakes(plan.getValue(), seed, 1);
                int kind = bakes.get(0).steady() ? 0 : 1;
                clouds[kind]++;
                for (var bake : bakes) {
                    looks[kind][bake.run() - 1] += bake.looks();
                }
                double ratio = bakes.get(2).overPath();
                meanRatio[kind] += ratio;
                worstRatio[kind] = Math.max(worstRatio[kind], ratio);
            }
            for (int kind = 0; kind < 2; kind++) {
                int n = clouds[kind];
                System.out.printf("  %-36s %-7s %7.1f %7.1f %7.1f %15.3fx %7.3fx%n", plan.getKey(),
                        kind == 0 ? "steady" : "varied", looks[kind][0] / n, looks[kind][1] / n, looks[kind][2] / n,
                        meanRatio[kind] / n, worstRatio[kind]);
            }
        }
    }
}
