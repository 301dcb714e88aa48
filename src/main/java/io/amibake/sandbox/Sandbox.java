package io.amibake.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * amibake's local cloud: an HTTP endpoint that speaks EC2's Query protocol and SSM's JSON 1.1
 * protocol, so the real AWS SDK (or the aws CLI) talks to it unchanged. It accepts any credentials
 * and reads the region from each request's SigV4 credential scope; state is kept per region.
 * Time comes from a {@link SandboxClock}; states are computed from it on read, so nothing runs in
 * the background. See docs/sandbox.md.
 */
public final class Sandbox implements AutoCloseable {

    private static final Pattern CREDENTIAL_SCOPE =
            Pattern.compile("Credential=([^/,\\s]+)/\\d{8}/([^/,\\s]+)/([^/,\\s]+)/aws4_request");
    private static final String ADMIN = "/_sandbox/";

    static {
        // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle's algorithm
        // and the client's delayed ACK add about 40 ms to every answer. Read once, when the JDK's
        // server configuration loads, so it is set before the first HttpServer is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final SandboxOptions options;
    private final Cloud cloud;
    private final Faults faults = new Faults(this::failPendingImage);
    private final Throttle throttle;
    private final Ec2Api ec2;
    private final SsmApi ssm;
    private final KmsApi kms;
    private final SandboxAccount account;
    private final JsonMapper json = JsonMapper.builder().build();
    private final Map<SandboxStats.Row, LongAdder> requests = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final ExecutorService executor;
    private final SandboxMachines machines;

    private Sandbox(SandboxOptions options, SandboxClock clock) throws IOException {
        this.options = options;
        this.cloud = new Cloud(clock, options.profile(), options.copyLimit(), options.seed(), options.variation());
        this.throttle = new Throttle(clock, options.throttling());
        this.ec2 = new Ec2Api(cloud, faults);
        this.ssm = new SsmApi(cloud, faults, json);
        this.kms = new KmsApi(json, cloud);
        this.account = new SandboxAccount(cloud);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port()), 64);
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "sandbox-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::serve);
        try {
            // Last: it may build the base image (minutes) and starts containers' helpers.
            this.machines = SandboxMachines.start(options.machines(), cloud, faults);
        } catch (IOException | RuntimeException e) {
            server.stop(0);
            executor.shutdownNow();
            throw e;
        }
    }

    /** Starts a sandbox whose clock runs 1/timeScale times faster than real time. */
    public static Sandbox start(SandboxOptions options) throws IOException {
        return start(options, SandboxClock.scaled(options.timeScale()));
    }

    /**
     * Starts a sandbox on the given clock, e.g. {@link SandboxClock#manual(Instant)} for exact tests;
     * the clock replaces {@code options.timeScale()}.
     */
    public static Sandbox start(SandboxOptions options, SandboxClock clock) throws IOException {
        Sandbox sandbox = new Sandbox(options, clock);
        sandbox.server.start();
        return sandbox;
    }

    /** Where clients send requests, e.g. {@code http://127.0.0.1:43123}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The options it was started with (the port as asked, 0 included). */
    public SandboxOptions options() {
        return options;
    }

    /** The current sandbox time, the clock every Instant in the views is read from. */
    public Instant now() {
        return cloud.now();
    }

    public Faults faults() {
        return faults;
    }

    /** The real machines: whether they run, why not, what their images hold (docs/sandbox.md, "Real machines"). */
    public SandboxMachines machines() {
        return machines;
    }

    /** The account's instance profiles, instance type offerings, KMS keys and network, for tests to change. */
    public SandboxAccount account() {
        return account;
    }

    /** Another account's KMS keys and network, for tests to change; the account becomes known to the sandbox. */
    public SandboxAccount account(String id) {
        synchronized (cloud) {
            if (!cloud.iam.accounts().contains(id)) {
                cloud.iam.addAccount(id, null);
            }
        }
        return new SandboxAccount(cloud, id);
    }

    /** The accounts, roles, trust, organization and key policies: what tests tell the sandbox about identity. */
    public SandboxAccounts accounts() {
        return new SandboxAccounts(cloud);
    }

    /**
     * Empties every throttling bucket now, as a burst of other clients of the same account would:
     * the calls that follow are throttled until the buckets refill at their usual rates.
     */
    public void drainThrottleBuckets() {
        throttle.drain();
    }

    public SandboxStats stats() {
        List<SandboxStats.Row> rows = new ArrayList<>();
        requests.forEach((k, v) -> rows.add(new SandboxStats.Row(k.operation(), k.region(), k.outcome(), v.sum(),
                k.account())));
        rows.sort(java.util.Comparator.comparing(SandboxStats.Row::operation).thenComparing(SandboxStats.Row::region)
                .thenComparing(SandboxStats.Row::outcome));
        synchronized (cloud) {
            Instant now = cloud.now();
            int instances = 0;
            int images = 0;
            int snapshots = 0;
            for (Cloud.Region region : cloud.regions()) {
                instances += (int) region.instances.values().stream().filter(i -> !i.state(now).equals("terminated"))
                        .count();
                images += (int) region.images.values().stream()
                        .filter(i -> i.registered() && i.ownerId.equals(region.account)).count();
                snapshots += (int) region.snapshots.values().stream()
                        .filter(s -> !s.deleted && s.ownerId.equals(region.account)).count();
            }
            return new SandboxStats(rows, instances, images, snapshots);
        }
    }

    /** Every instance in every region, terminated ones included. */
    public List<SandboxInstance> instances() {
        synchronized (cloud) {
            Instant now = cloud.now();
            List<SandboxInstance> list = new ArrayList<>();
            for (Cloud.Region region : cloud.regions()) {
                for (Cloud.Instance i : region.instances.values()) {
                    list.add(new SandboxInstance(i.region, i.id, i.state(now), i.imageId, i.clientToken, i.tags,
                            i.iamProfileArn, i.launchedAt, i.subnetId,
                            i.securityGroups.stream().map(Cloud.SecurityGroup::id).toList()));
                }
            }
            list.sort(java.util.Comparator.comparing(SandboxInstance::launchedAt));
            return list;
        }
    }

    /** Every image an account owns in every region, deregistered and failed ones included; not the public ones. */
    public List<SandboxImage> images() {
        synchronized (cloud) {
            Instant now = cloud.now();
            List<SandboxImage> list = new ArrayList<>();
            for (Cloud.Region region : cloud.regions()) {
                for (Cloud.Image i : region.images.values()) {
                    if (!i.ownerId.equals(region.account)) {
                        continue;
                    }
                    String state = i.state(now);
                    list.add(new SandboxImage(i.region, i.id, i.name, state, i.tags, i.snapshotIds(), i.sourceRegion,
                            i.sourceImageId, List.copyOf(i.launchUserIds), i.encrypted, i.kmsKeyId, i.createdAt,
                            now.isBefore(i.readyAt) ? null : i.readyAt, region.account,
                            concat(i.launchOrganizations, i.launchOrganizationalUnits)));
                }
            }
            list.sort(java.util.Comparator.comparing(SandboxImage::createdAt));
            return list;
        }
    }

    /**
     * How long the cloud itself took, in sandbox time, for what a build instance went through: from
     * its launch until its agent was online, each command sent to it from its sending to its end,
     * and its last stop from stopping to stopped; what is not over yet counts until now. A
     * benchmark adds the image's and the longest copy's time ({@link #images()}) to get a bake's
     * critical path, however the transitions varied.
     */
    public Duration buildPath(String region, String instanceId) {
        synchronized (cloud) {
            Instant now = cloud.now();
            Cloud.Instance in = cloud.region(region).instances.get(instanceId);
            if (in == null) {
                throw new IllegalArgumentException("no instance " + instanceId + " in " + region);
            }
            Duration path = Duration.ZERO;
            List<Instant[]> running = in.timeline.spans("running", now);
            if (!running.isEmpty()) {
                Instant online = running.get(0)[0].plus(in.agentRegistration == null ? Duration.ZERO
                        : in.agentRegistration);
                path = path.plus(Duration.between(in.launchedAt, online.isAfter(now) ? now : online));
            }
            for (Cloud.Command c : cloud.commandLog) {
                Cloud.Invocation inv = c.invocations.get(instanceId);
                if (inv != null && c.region.equals(region)) {
                    path = path.plus(Duration.between(c.sentAt, inv.endAt.isAfter(now) ? now : inv.endAt));
                }
            }
            List<Instant[]> stopping = in.timeline.spans("stopping", now);
            if (!stopping.isEmpty()) {
                Instant[] last = stopping.get(stopping.size() - 1);
                path = path.plus(Duration.between(last[0], last[1]));
            }
            return path;
        }
    }

    private static List<String> concat(java.util.Collection<String> a, java.util.Collection<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Every launch template in every region, with the image each version launches. */
    public List<SandboxLaunchTemplate> launchTemplates() {
        synchronized (cloud) {
            return ec2.launchTemplates();
        }
    }

    /** Every SSM parameter the account wrote, in every region; AWS's public parameters are left out. */
    public List<SandboxParameter> parameters() {
        synchronized (cloud) {
            List<SandboxParameter> list = new ArrayList<>();
            for (Cloud.Region region : cloud.regions()) {
                region.parameters.values().stream().filter(p -> !p.name.startsWith("/aws/"))
                        .forEach(p -> list.add(new SandboxParameter(region.name, p.name, p.value)));
            }
            return list;
        }
    }

    /** The most AMI copies that were ever pending at once in the region (its copy limit bounds it). */
    public int peakConcurrentCopies(String region) {
        synchronized (cloud) {
            return cloud.region(region).peakCopies;
        }
    }

    /** Every SendCommand received, in order, one entry per instance it targeted. */
    public List<SandboxCommand> commands() {
        synchronized (cloud) {
            Instant now = cloud.now();
            List<SandboxCommand> list = new ArrayList<>();
            for (Cloud.Command c : cloud.commandLog) {
                c.invocations.values().forEach(inv -> list.add(ssm.view(c, inv, now)));
            }
            return list;
        }
    }

    private boolean failPendingImage(String imageId) {
        synchronized (cloud) {
            Instant now = cloud.now();
            for (Cloud.Region region : cloud.regions()) {
                Cloud.Image image = region.images.get(imageId);
                if (image != null && image.state(now).equals("pending")) {
                    image.fails = true;
                    image.readyAt = now;
                    region.snapshots.values().stream().filter(s -> s.image == image).forEach(s -> s.completeAt = now);
                    return true;
                }
            }
            return false;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        machines.close();
    }

    // ---- HTTP

    private void serve(HttpExchange exchange) {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith(ADMIN)) {
                admin(exchange, path.substring(ADMIN.length()));
                return;
            }
            byte[] body = readBody(exchange);
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (target != null && target.startsWith("AmazonSSM.")) {
                serveSsm(exchange, target.substring("AmazonSSM.".length()), body);
            } else if (target != null && target.startsWith("TrentService.")) {
                serveSsm(exchange, target, body);
            } else {
                serveEc2(exchange, body);
            }
        } catch (IOException e) {
            // the client went away; nothing to answer
        } catch (RuntimeException e) {
            try {
                send(exchange, 500, "text/xml;charset=UTF-8", Xml.error("InternalError",
                        "The sandbox failed: " + e, UUID.randomUUID().toString()));
            } catch (IOException ignored) {
                // the client went away
            }
        }
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    /** A request's SigV4 credential scope: who signed it, for which region and service. */
    private record Scope(String accessKey, String region, String service) {
    }

    private static Optional<Scope> scopeOf(HttpExchange exchange) {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        String query = exchange.getRequestURI().getRawQuery();
        String source = auth != null ? auth : query != null
                ? java.net.URLDecoder.decode(query, StandardCharsets.UTF_8).replace("X-Amz-Credential=", "Credential=")
                : "";
        Matcher m = CREDENTIAL_SCOPE.matcher(source);
        return m.find() ? Optional.of(new Scope(m.group(1), m.group(2), m.group(3))) : Optional.empty();
    }

    private static Optional<String> regionOf(HttpExchange exchange) {
        return scopeOf(exchange).map(Scope::region);
    }

    /** The identity a request acts as, from its access key; credentials STS never issued or that expired are refused. */
    private SandboxIam.Caller callerOf(HttpExchange exchange) {
        String key = scopeOf(exchange).map(Scope::accessKey).orElse(null);
        synchronized (cloud) {
            return cloud.iam.caller(key, cloud.now());
        }
    }

    private void serveEc2(HttpExchange exchange, byte[] body) throws IOException {
        String requestId = UUID.randomUUID().toString();
        String form = new String(body, StandardCharsets.UTF_8);
        String query = exchange.getRequestURI().getRawQuery();
        QueryParams params = QueryParams.parse(query == null ? form : form.isEmpty() ? query : form + "&" + query);
        String action = params.get("Action");
        Optional<String> region = regionOf(exchange);
        if (region.isEmpty()) {
            sendEc2Error(exchange, new ApiException("AuthFailure",
                    "AWS was not able to validate the provided access credentials"), requestId);
            return;
        }
        if (!Regions.isKnown(region.get())) {
            sendEc2Error(exchange, new ApiException("AuthFailure", "Credential should be scoped to a valid region. "),
                    requestId);
            return;
        }
        if (action == null) {
            sendEc2Error(exchange, new ApiException("MissingAction", "The request must contain the parameter Action"),
                    requestId);
            return;
        }
        String regionName = region.get();
        if (scopeOf(exchange).map(Scope::service).orElse("").equals("sts")) {
            serveSts(exchange, params, action, regionName, requestId);
            return;
        }
        SandboxIam.Caller caller;
        try {
            caller = callerOf(exchange);
        } catch (SandboxIam.Refused refused) {
            count(action, regionName, refused.expired ? "RequestExpired" : "AuthFailure");
            sendEc2Error(exchange, refused.expired ? new ApiException("RequestExpired", "Request has expired.")
                    : new ApiException("AuthFailure", "AWS was not able to validate the provided access credentials"),
                    requestId);
            return;
        }
        String account = caller.account();
        Optional<Faults.RequestFault> fault = faults.takeRequestFault(action, regionName);
        if (fault.isPresent() && fault.get().drop()) {
            count(action, regionName, "dropped", account);
            return;
        }
        try {
            if (faults.isDenied(action, regionName)) {
                // IAM is asked before anything else, DryRun included (EC2 API reference, common parameters).
                throw new ApiException("UnauthorizedOperation", "You are not authorized to perform this operation."
                        + " User: " + caller.arn() + " is not authorized to perform: ec2:"
                        + action + " (denied by the sandbox's fault injection). Encoded authorization failure"
                        + " message: " + java.util.Base64.getEncoder().encodeToString(action.getBytes(
                        StandardCharsets.UTF_8)));
            }
            if (fault.isPresent() && !fault.get().after()) {
                throw new ApiException(fault.get().errorCode(), faultMessage(fault.get().errorCode()));
            }
            // Each account has its own buckets, as in AWS.
            if (!throttle.tryAcquire(account + "/" + regionName, action,
                    Throttle.ec2Rate(action, Ec2Api.filteredOrById(params)))) {
                throw new ApiException("RequestLimitExceeded", "Request limit exceeded.");
            }
            String xml;
            synchronized (cloud) {
                xml = ec2.handle(action, cloud.region(account, regionName), params, requestId);
            }
            if (fault.isPresent()) {
                throw new ApiException(fault.get().errorCode(), faultMessage(fault.get().errorCode()));
            }
            count(action, regionName, "ok", account);
            send(exchange, 200, "text/xml;charset=UTF-8", xml);
        } catch (ApiException e) {
            count(action, regionName, e.code(), account);
            sendEc2Error(exchange, e, requestId);
        } catch (RuntimeException e) {
            count(action, regionName, "InternalError", account);
            sendEc2Error(exchange, new ApiException("InternalError", "The sandbox failed: " + e), requestId);
        }
    }

    /**
     * STS, on the Query protocol as EC2 (requests signed for the {@code sts} service): GetCallerIdentity
     * (who the access key is) and AssumeRole (temporary credentials of a role that trusts the caller).
     * Errors take STS's shape, {@code ErrorResponse}/{@code Error} with a {@code Type} (STS API
     * reference, AssumeRole and Common Errors).
     */
    private void serveSts(HttpExchange exchange, QueryParams params, String action, String regionName,
                          String requestId) throws IOException {
        String ns = "https://sts.amazonaws.com/doc/2011-06-15/";
        String account = Cloud.ACCOUNT;
        try {
            SandboxIam.Caller caller;
            try {
                caller = callerOf(exchange);
            } catch (SandboxIam.Refused refused) {
                throw new ApiException(refused.expired ? "ExpiredToken" : "InvalidClientTokenId", refused.getMessage(),
                        403);
            }
            account = caller.account();
            Xml xml = new Xml().open(action + "Response xmlns=\"" + ns + "\"");
            switch (action) {
                case "GetCallerIdentity" -> xml.open("GetCallerIdentityResult").el("Arn", caller.arn())
                        .el("UserId", caller.userId()).el("Account", caller.account()).close();
                case "AssumeRole" -> {
                    java.time.Duration duration = java.time.Duration.ofSeconds(params.integer("DurationSeconds", 3600));
                    SandboxIam.Session session;
                    Instant now;
                    synchronized (cloud) {
                        now = cloud.now();
                        session = cloud.iam.assumeRole(caller, params.get("RoleArn"), params.get("RoleSessionName"),
                                params.get("ExternalId"), duration, now);
                    }
                    // The SDK decides when to refresh on its own clock: the expiry is told in real time.
                    Instant expires = Instant.now().plus(clock().toReal(java.time.Duration.between(now,
                            session.expiresAt())));
                    String role = session.roleArn().substring(session.roleArn().indexOf(":role/") + 6);
                    xml.open("AssumeRoleResult").open("Credentials").el("AccessKeyId", session.accessKeyId())
                            .el("SecretAccessKey", session.secretAccessKey()).el("SessionToken", session.sessionToken())
                            .el("Expiration", expires).close().open("AssumedRoleUser")
                            .el("Arn", "arn:aws:sts::" + session.account() + ":assumed-role/" + role + "/"
                                    + session.sessionName())
                            .el("AssumedRoleId", "AROA" + session.account() + ":" + session.sessionName()).close()
                            .close();
                }
                default -> throw new ApiException("InvalidAction", "Could not find operation " + action
                        + " for version 2011-06-15", 400);
            }
            xml.open("ResponseMetadata").el("RequestId", requestId).close();
            count(action, regionName, "ok", account);
            send(exchange, 200, "text/xml;charset=UTF-8", xml.close().toString().replace("</" + action
                    + "Response xmlns=\"" + ns + "\">", "</" + action + "Response>"));
        } catch (ApiException e) {
            count(action, regionName, e.code(), account);
            String error = new Xml().open("ErrorResponse xmlns=\"" + ns + "\"").open("Error")
                    .el("Type", e.status() >= 500 ? "Receiver" : "Sender").el("Code", e.code())
                    .el("Message", e.getMessage()).close().el("RequestId", requestId).close().toString()
                    .replace("</ErrorResponse xmlns=\"" + ns + "\">", "</ErrorResponse>");
            send(exchange, e.status(), "text/xml;charset=UTF-8", error);
        }
    }

    private SandboxClock clock() {
        return cloud.clock;
    }

    private void sendEc2Error(HttpExchange exchange, ApiException e, String requestId) throws IOException {
        send(exchange, e.status(), "text/xml;charset=UTF-8", Xml.error(e.code(), e.getMessage(), requestId));
    }

    /** SSM's JSON protocol, and KMS's (its operations arrive as {@code TrentService.<Operation>}). */
    private void serveSsm(HttpExchange exchange, String target, byte[] body) throws IOException {
        boolean isKms = target.startsWith("TrentService.");
        String operation = isKms ? target.substring("TrentService.".length()) : target;
        Optional<String> region = regionOf(exchange);
        if (region.isEmpty()) {
            sendSsmError(exchange, new ApiException("MissingAuthenticationTokenException",
                    "Missing Authentication Token", 400));
            return;
        }
        if (!Regions.isKnown(region.get())) {
            sendSsmError(exchange, new ApiException("UnrecognizedClientException",
                    "Credential should be scoped to a valid region.", 400));
            return;
        }
        String regionName = region.get();
        SandboxIam.Caller caller;
        try {
            caller = callerOf(exchange);
        } catch (SandboxIam.Refused refused) {
            String code = refused.expired ? "ExpiredTokenException" : "UnrecognizedClientException";
            count(operation, regionName, code);
            sendSsmError(exchange, new ApiException(code, refused.getMessage(), 400));
            return;
        }
        String account = caller.account();
        Optional<Faults.RequestFault> fault = faults.takeRequestFault(operation, regionName);
        if (fault.isPresent() && fault.get().drop()) {
            count(operation, regionName, "dropped", account);
            return;
        }
        try {
            if (faults.isDenied(operation, regionName)) {
                throw new ApiException("AccessDeniedException", "User: " + caller.arn()
                        + " is not authorized to perform: " + (isKms ? "kms:" : "ssm:") + operation
                        + " (denied by the sandbox's fault injection)", 400);
            }
            if (fault.isPresent() && !fault.get().after()) {
                throw ssmFault(fault.get().errorCode());
            }
            if (!isKms && !throttle.tryAcquire(account + "/" + regionName, "ssm:" + operation,
                    Throttle.ssmRate(operation))) {
                throw new ApiException("ThrottlingException", "Rate exceeded", 400);
            }
            JsonNode request;
            try {
                request = body.length == 0 ? json.createObjectNode() : json.readTree(body);
            } catch (RuntimeException e) {
                throw new ApiException("SerializationException", "Could not parse the request body as JSON", 400);
            }
            ObjectNode answer;
            synchronized (cloud) {
                answer = isKms ? kms.handle(operation, cloud.region(account, regionName), request)
                        : ssm.handle(operation, cloud.region(account, regionName), request);
            }
            if (fault.isPresent()) {
                throw ssmFault(fault.get().errorCode());
            }
            count(operation, regionName, "ok", account);
            send(exchange, 200, "application/x-amz-json-1.1", json.writeValueAsString(answer));
        } catch (ApiException e) {
            count(operation, regionName, e.code(), account);
            sendSsmError(exchange, e);
        } catch (RuntimeException e) {
            count(operation, regionName, "InternalServerError", account);
            sendSsmError(exchange, new ApiException("InternalServerError", "The sandbox failed: " + e, 500));
        }
    }

    private void sendSsmError(HttpExchange exchange, ApiException e) throws IOException {
        ObjectNode error = json.createObjectNode();
        error.put("__type", e.code());
        if (e.getMessage() != null) {
            error.put("message", e.getMessage());
        }
        exchange.getResponseHeaders().set("x-amzn-ErrorType", e.code());
        // SSM reports its errors as client errors (400) unless the service itself failed.
        int status = e.status() >= 500 ? e.status() : 400;
        send(exchange, status, "application/x-amz-json-1.1", json.writeValueAsString(error));
    }

    private static ApiException ssmFault(String code) {
        return new ApiException(code, faultMessage(code), code.equals("ThrottlingException") ? 400
                : ApiException.statusOf(code));
    }

    private static String faultMessage(String code) {
        return switch (code) {
            case "InsufficientInstanceCapacity" -> "We currently do not have sufficient capacity in the Availability "
                    + "Zone you requested. Our system will be working on provisioning additional capacity. "
                    + "(injected by the sandbox)";
            case "RequestLimitExceeded" -> "Request limit exceeded. (injected by the sandbox)";
            case "ThrottlingException" -> "Rate exceeded (injected by the sandbox)";
            default -> "Injected by the sandbox fault API: " + code;
        };
    }

    private void count(String operation, String region, String outcome) {
        count(operation, region, outcome, Cloud.ACCOUNT);
    }

    private void count(String operation, String region, String outcome, String account) {
        requests.computeIfAbsent(new SandboxStats.Row(operation, region, outcome, 0, account), k -> new LongAdder())
                .increment();
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    // ---- admin API

    private void admin(HttpExchange exchange, String resource) throws IOException {
        String method = exchange.getRequestMethod();
        byte[] body = readBody(exchange);
        try {
            String answer = switch (method + " " + resource) {
                case "GET stats" -> stats().toJson();
                case "GET instances" -> json.writeValueAsString(instances());
                case "GET images" -> json.writeValueAsString(images());
                case "GET commands" -> json.writeValueAsString(commands());
                case "GET faults" -> json.writeValueAsString(faults.pending());
                case "POST faults" -> {
                    AdminFaults.arm(faults, json.readTree(body));
                    yield json.writeValueAsString(faults.pending());
                }
                case "DELETE faults" -> {
                    faults.clear();
                    yield "[]";
                }
                default -> null;
            };
            if (answer == null) {
                send(exchange, 404, "application/json", "{\"error\":\"no such admin resource: " + method + " "
                        + ADMIN + resource + "\"}");
            } else {
                send(exchange, 200, "application/json", answer);
            }
        } catch (IllegalArgumentException | tools.jackson.core.JacksonException e) {
            ObjectNode error = json.createObjectNode().put("error", String.valueOf(e.getMessage()));
            send(exchange, 400, "application/json", json.writeValueAsString(error));
        }
    }
}
