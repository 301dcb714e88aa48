package io.amibake.cloud;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * EC2 and SSM clients, built once per region and shared by every step and thread. One HTTP
 * client and one request counter serve them all.
 */
public final class AwsClients implements AutoCloseable {

    private static final String WARM_UP_REGION = "us-east-1";

    private final AwsSettings settings;
    private final SdkHttpClient http;
    private final AwsCredentialsProvider credentials;
    private final RequestCounter counter;
    private final ExecutionInterceptor halt;
    /**
     * The timers of every client's call and attempt timeouts. Left to itself the SDK gives each
     * client a pool of up to five threads, and a bake's clients (EC2 twice, SSM, per region) kept
     * some thirty idle threads; the timers only abort a call, so two threads serve them all.
     */
    private final ScheduledThreadPoolExecutor timers;
    private final Map<String, Ec2Client> ec2 = new ConcurrentHashMap<>();
    private final Map<String, Ec2Client> ec2Creating = new ConcurrentHashMap<>();
    private final Map<String, SsmClient> ssm = new ConcurrentHashMap<>();
    private final Map<String, KmsClient> kms = new ConcurrentHashMap<>();
    /** The STS client that assumes the role, when there is one; it signs with the base credentials. */
    private final StsClient roleSts;
    private Thread preparing;
    private boolean closed;

    public AwsClients(AwsSettings settings) {
        this(settings, () -> null);
    }

    /**
     * Clients that ask {@code halted} before every request, retries included: once it gives a
     * reason, nothing more is sent and each call fails at once with it. A bake that lost its lease
     * leaves the cloud to whoever took the bake over.
     */
    public AwsClients(AwsSettings settings, Supplier<String> halted) {
        this(settings, halted, new RequestCounter());
    }

    /**
     * The same, counting their requests in {@code counter}: a bake's clients in the accounts it
     * copies into count with its own, so that its tally is every request it sent.
     */
    public AwsClients(AwsSettings settings, Supplier<String> halted, RequestCounter counter) {
        this.settings = settings;
        this.counter = counter;
        this.halt = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                String why = halted.get();
                if (why != null) {
                    throw SdkClientException.create("not sent: " + why);
                }
            }
        };
        this.timers = new ScheduledThreadPoolExecutor(2, runnable -> {
            Thread thread = new Thread(runnable, "amibake-aws-timer");
            thread.setDaemon(true);
            return thread;
        });
        // A finished call cancels its timers: drop them at once instead of holding them for minutes.
        timers.setRemoveOnCancelPolicy(true);
        this.http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(10))
                .socketTimeout(Duration.ofSeconds(60))
                .build();
        AwsCredentialsProvider base;
        if (settings.dummyCredentials()) {
            base = StaticCredentialsProvider.create(AwsBasicCredentials.create("amibake", "sandbox"));
        } else if (settings.profile() != null) {
            base = ProfileCredentialsProvider.create(settings.profile());
        } else {
            base = DefaultCredentialsProvider.builder().build();
        }
        AwsSettings.Role role = settings.role();
        if (role == null) {
            roleSts = null;
            credentials = base;
        } else {
            // STS is global; its us-east-1 endpoint serves every account (STS API Reference, endpoints).
            roleSts = configure(StsClient.builder(), WARM_UP_REGION, base).build();
            credentials = StsAssumeRoleCredentialsProvider.builder().stsClient(roleSts)
                    .refreshRequest(r -> r.roleArn(role.arn()).externalId(role.externalId())
                            .roleSessionName(role.sessionName()))
                    .prefetchTime(role.prefetch()).staleTime(role.stale())
                    .build();
        }
    }

    /**
     * Builds an EC2 and an SSM client on a daemon thread and drops them, sending nothing: the
     * SDK's classes load and initialise (endpoint rules, signers, marshallers) on the other core
     * while the caller starts Spring, so the bake's own clients build in a moment. Errors are
     * ignored; the bake meets them again itself.
     */
    public static void warmUp(AwsSettings settings) {
        Thread warming = new Thread(() -> {
            try (AwsClients clients = new AwsClients(settings)) {
                clients.ec2(WARM_UP_REGION);
                clients.ssm(WARM_UP_REGION);
                javax.xml.stream.XMLInputFactory.newInstance();
            } catch (RuntimeException ignored) {
                // Only a head start: the bake builds its own clients and reports its own errors.
            }
        }, "amibake-aws-warm-up");
        warming.setDaemon(true);
        warming.start();
    }

    /**
     * Builds the clients of these regions on a daemon thread, sending nothing. Each SDK client
     * takes tens of milliseconds to build (hundreds under load), and a distribution builds three
     * per region at once, on the critical path, when its copies start; called while the build
     * instance boots, the copies find them ready. A call that needs a client being built waits
     * for it; a second call does nothing.
     */
    public synchronized void prepare(Collection<String> regions) {
        if (preparing != null || closed) {
            return;
        }
        List<String> toBuild = List.copyOf(regions);
        preparing = new Thread(() -> {
            for (String region : toBuild) {
                if (isClosed()) {
                    return;
                }
                try {
                    ec2(region);
                    ec2Creating(region);
                    ssm(region);
                } catch (RuntimeException e) {
                    // An unknown region or a broken setting: the step that needs the client reports it.
                }
            }
        }, "amibake-aws-clients");
        preparing.setDaemon(true);
        preparing.start();
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    public Ec2Client ec2(String region) {
        return ec2.computeIfAbsent(region, r -> configure(Ec2Client.builder(), r).build());
    }

    /**
     * An EC2 client for calls that create something: the SDK never resends them. After a server
     * error (5xx) or a lost answer the call may have taken effect, so the caller looks for what it
     * made before it calls again (and backs off from throttling itself).
     */
    public Ec2Client ec2Creating(String region) {
        return ec2Creating.computeIfAbsent(region, r -> {
            var builder = configure(Ec2Client.builder(), r);
            builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                    .retryStrategy(AwsRetryStrategy.doNotRetry()).build());
            return builder.build();
        });
    }

    public SsmClient ssm(String region) {
        return ssm.computeIfAbsent(region, r -> configure(SsmClient.builder(), r).build());
    }

    /** KMS, for {@code plan}'s look at the recipe's keys; the endpoint override applies as for EC2 and SSM. */
    public KmsClient kms(String region) {
        return kms.computeIfAbsent(region, r -> configure(KmsClient.builder(), r).build());
    }

    /**
     * Resolves the credentials once, before any bake record exists: an unknown profile or no
     * credentials at all is bad input, not a failed bake.
     */
    public void checkCredentials() {
        try {
            credentials.resolveCredentials();
        } catch (software.amazon.awssdk.awscore.exception.AwsServiceException e) {
            throw new CredentialsException("role " + settings.role().arn() + " could not be assumed: "
                    + e.awsErrorDetails().errorCode() + ": " + e.awsErrorDetails().errorMessage(), e);
        } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
            throw new CredentialsException((settings.profile() == null ? "no AWS credentials found"
                    : "AWS profile '" + settings.profile() + "' has no usable credentials") + ": "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /**
     * The account these credentials reach (STS GetCallerIdentity, once per call): part of a bake's
     * target. Credentials that cannot be resolved, or that the endpoint refuses, are bad input.
     */
    public String account() {
        checkCredentials();
        try (StsClient sts = configure(StsClient.builder(), WARM_UP_REGION).build()) {
            return sts.getCallerIdentity().account();
        } catch (software.amazon.awssdk.awscore.exception.AwsServiceException e) {
            if (e.statusCode() == 403 || e.statusCode() == 401) {
                throw new CredentialsException((settings.profile() == null ? "the AWS credentials"
                        : "AWS profile '" + settings.profile() + "'") + " were refused: "
                        + e.awsErrorDetails().errorMessage(), e);
            }
            throw e;
        }
    }

    public RequestCounter requests() {
        return counter;
    }

    private <B extends software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, ?>
            & software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, ?>> B configure(B builder, String region) {
        return configure(builder, region, credentials);
    }

    private <B extends software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, ?>
            & software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, ?>> B configure(B builder, String region,
                                                                                             AwsCredentialsProvider as) {
        builder.httpClient(http)
                .region(Region.of(region))
                .credentialsProvider(as)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        // Standard strategy: backoff with jitter, a 1 s base for throttling errors
                        // and a 20 s cap (docs/aws.md, SDK v2 retries).
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(settings.maxAttempts())
                                .build())
                        // A call, retries included, never hangs a bake: an unresponsive endpoint
                        // fails the step (resumable) instead.
                        .apiCallAttemptTimeout(Duration.ofSeconds(30))
                        .apiCallTimeout(Duration.ofMinutes(3))
                        .scheduledExecutorService(timers)
                        // Before the counter: a request not sent is not counted.
                        .addExecutionInterceptor(halt)
                        .addExecutionInterceptor(counter)
                        .build());
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        return builder;
    }

    @Override
    public void close() {
        Thread building;
        synchronized (this) {
            closed = true;
            building = preparing;
        }
        if (building != null) {
            try {
                // At most the region it is on: it stops before the next one.
                building.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ec2.values().forEach(Ec2Client::close);
        ec2Creating.values().forEach(Ec2Client::close);
        ssm.values().forEach(SsmClient::close);
        kms.values().forEach(KmsClient::close);
        if (credentials instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // Only the provider's refresh thread: nothing to keep.
            }
        }
        if (roleSts != null) {
            roleSts.close();
        }
        http.close();
        timers.shutdownNow();
    }
}
