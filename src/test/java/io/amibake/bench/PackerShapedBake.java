package io.amibake.bench;

import io.amibake.cloud.CopyRequest;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Image;
import io.amibake.cloud.Instance;
import io.amibake.cloud.LaunchRequest;
import io.amibake.cloud.SsmGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * The benchmark's bake shape driven the way Packer's amazon-ebs builder waits: every waiter
 * looks at once, then every {@code pollEvery} (Packer's AWS_POLL_DELAY_SECONDS, 15 s by default),
 * with one waiter per copy region, against the same sandbox. Its time and requests are the
 * measured baseline; Packer itself is not run.
 */
final class PackerShapedBake {

    private static final String SOURCE = "us-east-1";

    private final Ec2Gateway ec2;
    private final SsmGateway ssm;
    private final Duration pollEvery;

    PackerShapedBake(Ec2Gateway ec2, SsmGateway ssm, Duration pollEvery) {
        this.ec2 = ec2;
        this.ssm = ssm;
        this.pollEvery = pollEvery;
    }

    void run(String name, List<String> regions) throws Exception {
        String source = ec2.newestImage(SOURCE, List.of("amazon"), "al2023-ami-*", "x86_64").orElseThrow().id();
        String instance = ec2.launch(SOURCE, new LaunchRequest(source, "/dev/xvda", "t3.micro", null, List.of(),
                "AmazonSSMRoleForInstancesQuickSetup", 0, Map.of("Name", name), name)).id();
        waitUntil(() -> state(instance).map(Instance::isRunning).orElse(false));
        waitUntil(() -> ssm.onlineAgents(SOURCE, List.of(instance)).contains(instance));
        String command = ssm.sendShell(SOURCE, instance, List.of("echo baked > /etc/fleet-marker"),
                Duration.ofMinutes(10), name);
        waitUntil(() -> ssm.invocation(SOURCE, command, instance).isDone());
        ec2.stop(SOURCE, instance);
        waitUntil(() -> state(instance).map(Instance::isStopped).orElse(false));
        String image = ec2.createImage(SOURCE, instance, name, name, Map.of());
        waitUntil(() -> available(SOURCE, image));
        ExecutorService pool = Executors.newFixedThreadPool(regions.size() + 1);
        try {
            List<Future<?>> waits = new ArrayList<>();
            waits.add(pool.submit(() -> {
                ec2.terminate(SOURCE, instance);
                waitUntil(() -> state(instance).map(i -> "terminated".equals(i.state())).orElse(true));
                return null;
            }));
            for (String region : regions) {
                if (!region.equals(SOURCE)) {
                    waits.add(pool.submit(() -> {
                        String copy = ec2.copyImage(region, new CopyRequest(SOURCE, image, name, name,
                                name + "-" + region, false, null, Map.of()));
                        waitUntil(() -> available(region, copy));
                        return null;
                    }));
                }
            }
            for (Future<?> wait : waits) {
                wait.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private java.util.Optional<Instance> state(String id) {
        return java.util.Optional.ofNullable(ec2.describeInstances(SOURCE, List.of(id)).get(id));
    }

    private boolean available(String region, String id) {
        Image image = ec2.describeImages(region, List.of(id)).get(id);
        return image != null && image.isAvailable();
    }

    /** Looks at once, then every pollEvery, as an SDK waiter with a fixed delay does. */
    private void waitUntil(BooleanSupplier done) throws InterruptedException {
        while (!done.getAsBoolean()) {
            Thread.sleep(pollEvery.toMillis(), (int) (pollEvery.toNanos() % 1_000_000));
        }
    }
}
