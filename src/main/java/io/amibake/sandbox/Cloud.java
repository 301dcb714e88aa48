package io.amibake.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sandbox's whole state, per region as in AWS. Callers hold the monitor of this object while
 * they read or change it; states are computed from the clock on read.
 */
final class Cloud {

    /** The account a request acts as unless its access key names another (docs/sandbox.md, Accounts). */
    static final String ACCOUNT = "123456789012";
    static final String AMAZON_OWNER = "137112412989";
    static final String CANONICAL_OWNER = "099720109477";
    static final String DEBIAN_OWNER = "136693071363";

    final SandboxClock clock;
    final LatencyProfile profile;
    /** Concurrent (pending) AMI copies one destination region accepts. */
    final int copyLimit;
    private final java.util.Random random;
    private final double variation;
    /** Every account's regions, keyed {@code ACCOUNT/REGION}. */
    private final Map<String, Region> regions = new TreeMap<>();
    /** Accounts, roles, sessions, the organization and KMS key policies; see {@link SandboxIam}. */
    final SandboxIam iam = new SandboxIam();
    /** Every SendCommand, in the order received. */
    final List<Command> commandLog = new ArrayList<>();
    /** Regions the account has not opted in to: DescribeRegions lists them only with AllRegions. */
    final Set<String> disabledRegions = new java.util.TreeSet<>();
    /** The real machines, or null when the sandbox models every instance; see {@link Machines}. */
    Machines machines;
    /** The account's IAM instance profiles by name (IAM is global); RunInstances refuses any other. */
    final Set<String> instanceProfiles = new java.util.TreeSet<>(List.of("AmazonSSMRoleForInstancesQuickSetup",
            "amibake-build"));

    Cloud(SandboxClock clock, LatencyProfile profile) {
        this(clock, profile, SandboxOptions.DEFAULT_COPY_LIMIT, null, 0);
    }

    Cloud(SandboxClock clock, LatencyProfile profile, int copyLimit, Long seed, double variation) {
        this.clock = clock;
        this.profile = profile;
        this.copyLimit = copyLimit;
        this.random = seed == null ? null : new java.util.Random(seed);
        this.variation = variation;
    }

    /** A transition's duration: the profile's, varied by the options' variation (SandboxOptions). */
    Duration transition(Duration duration) {
        if (variation == 0) {
            return duration;
        }
        double factor = Math.exp((random.nextDouble() * 2 - 1) * variation);
        return Duration.ofNanos((long) (duration.toNanos() * factor));
    }

    /** The delay as the profile gives it, or drawn from 0 to twice it when the sandbox was seeded. */
    Duration vary(Duration delay) {
        return random == null ? delay : Duration.ofMillis((long) (delay.toMillis() * 2 * random.nextDouble()));
    }

    Instant now() {
        return clock.now();
    }

    /** The default account's region. */
    Region region(String name) {
        return region(ACCOUNT, name);
    }

    /** An account's region, created (and its public images and parameters seeded) on first use. */
    Region region(String account, String name) {
        return regions.computeIfAbsent(account + "/" + name, n -> PublicImages.seed(KmsApi.seed(Ec2Network.seed(
                new Region(account, name)), clock.now()), clock.now(), machines == null ? null : machines.baseLayers()));
    }

    /** The same region of every other account that has used it. */
    List<Region> otherAccounts(Region region) {
        return regions.values().stream().filter(r -> r.name.equals(region.name) && !r.account.equals(region.account))
                .toList();
    }

    /**
     * The images of other accounts in this region that the region's account may launch (shared with
     * it by id, organization or OU), besides its own region's images: what DescribeImages lists.
     */
    List<Image> imagesSeenFrom(Region region) {
        List<Image> seen = new ArrayList<>(region.images.values());
        for (Region other : otherAccounts(region)) {
            other.images.values().stream().filter(i -> i.ownerId.equals(other.account))
                    .filter(i -> iam.mayLaunch(i, region.account)).forEach(seen::add);
        }
        return seen;
    }

    /** The image with this id that the region's account may see there (its own, public or shared), or null. */
    Image imageSeenFrom(Region region, String imageId) {
        Image own = region.images.get(imageId);
        if (own != null) {
            return own;
        }
        for (Region other : otherAccounts(region)) {
            Image image = other.images.get(imageId);
            if (image != null && image.ownerId.equals(other.account) && iam.mayLaunch(image, region.account)) {
                return image;
            }
        }
        return null;
    }

    /** The owner's region that holds an account's own image (not a public one, which every account's region seeds). */
    Region regionOf(Image image) {
        return region(image.ownerId, image.region);
    }

    Iterable<Region> regions() {
        return regions.values();
    }

    static String newId(String prefix) {
        byte[] bytes = new byte[9];
        ThreadLocalRandom.current().nextBytes(bytes);
        return prefix + "-0" + HexFormat.of().formatHex(bytes).substring(0, 16);
    }

    /** One region's resources. */
    static final class Region {
        /** The account whose region this is. */
        final String account;
        final String name;
        final Map<String, Instance> instances = new LinkedHashMap<>();
        final Map<String, Image> images = new LinkedHashMap<>();
        final Map<String, Snapshot> snapshots = new LinkedHashMap<>();
        final Map<String, RunToken> runTokens = new LinkedHashMap<>();
        final Map<String, CopyToken> copyTokens = new LinkedHashMap<>();
        final Map<String, Parameter> parameters = new TreeMap<>();
        final Map<String, Command> commands = new LinkedHashMap<>();
        /** The most copies ever pending at once in this region. */
        int peakCopies;
        /** The default VPC's id, or null once a test removed it; see {@link Ec2Network}. */
        String defaultVpcId;
        final Map<String, Subnet> subnets = new LinkedHashMap<>();
        final Map<String, SecurityGroup> securityGroups = new LinkedHashMap<>();
        /** Instance types a test took out of this region's offerings; see {@link Ec2InstanceTypes}. */
        final Set<String> withdrawnTypes = new java.util.HashSet<>();
        /** KMS keys by key id, and aliases ({@code alias/...}) to key ids; see {@link KmsApi}. */
        final Map<String, KmsKey> kmsKeys = new LinkedHashMap<>();
        final Map<String, String> kmsAliases = new TreeMap<>();

        Region(String account, String name) {
            this.account = account;
            this.name = name;
        }
    }

    /** A subnet of a VPC in one availability zone. */
    record Subnet(String id, String vpcId, String availabilityZone, String cidrBlock, boolean defaultForAz) {
    }

    /** A security group of a VPC; every VPC has one named {@code default}. */
    record SecurityGroup(String id, String name, String description, String vpcId) {
    }

    /** A KMS key: {@code AWS} managed (such as alias/aws/ebs) or {@code CUSTOMER} managed. */
    record KmsKey(String id, String arn, String description, String keyManager, String state, Instant createdAt) {
    }

    /** A RunInstances call remembered by its ClientToken. */
    record RunToken(String fingerprint, String reservationId, List<String> instanceIds) {
    }

    /** A CopyImage call remembered by its ClientToken. */
    record CopyToken(String fingerprint, String imageId) {
    }

    /** One block device of an instance or an image. */
    record BlockDevice(String deviceName, String snapshotId, int volumeSize, String volumeType, boolean encrypted,
            String kmsKeyId, boolean deleteOnTermination, String volumeId) {
    }

    static final class Instance {
        String region;
        String id;
        String reservationId;
        String imageId;
        String instanceType;
        String clientToken;
        String iamProfileArn;
        String shutdownBehavior;
        String httpTokens;
        String httpEndpoint;
        int httpPutResponseHopLimit;
        String architecture;
        String privateIp;
        String subnetId;
        String vpcId;
        String availabilityZone;
        List<SecurityGroup> securityGroups = List.of();
        String keyName;
        int launchIndex;
        Instant launchedAt;
        Instant visibleAt;
        /** How long its agent takes to register after each boot, drawn once (SandboxOptions' variation). */
        Duration agentRegistration;
        /** Why the instance stopped or terminated, keyed by the instants of those timeline entries. */
        Map<Instant, String> stateReasons = new java.util.HashMap<>();
        List<BlockDevice> blockDevices = new ArrayList<>();
        Map<String, String> tags = new LinkedHashMap<>();
        Timeline timeline;
        /** What is on its disk and runs on it; see {@link InstanceContents}. */
        InstanceContents contents;
        /** The real machine it is, or null when {@link #contents} models it. */
        Machine machine;

        String state(Instant now) {
            return timeline.stateAt(now);
        }
    }

    static final class Image {
        String region;
        String id;
        String name;
        String description;
        String ownerId;
        String ownerAlias;
        boolean isPublic;
        String architecture;
        String platformDetails = "Linux/UNIX";
        String rootDeviceName = "/dev/xvda";
        String sourceInstanceId;
        String sourceRegion;
        String sourceImageId;
        boolean encrypted;
        String kmsKeyId;
        boolean fails;
        /** Why a failed image failed ({@code Code: message}); null for the default internal error. */
        String stateReason;
        Instant createdAt;
        Instant visibleAt;
        Instant readyAt;
        Instant deregisteredAt;
        /** Until when DescribeImages still lists it after deregistration. */
        Instant listedUntil;
        /** Until when its name is still refused after deregistration. */
        Instant nameHeldUntil;
        /** {@code disabled}, {@code enabled-without-cooldown} or {@code enabled-with-cooldown}. */
        String deregistrationProtection = "disabled";
        /** When the image is deprecated (hidden from listings), or {@code null}. */
        Instant deprecationTime;
        /** {@code v2.0} when instances launched from it must use IMDSv2, or {@code null}. */
        String imdsSupport;
        List<BlockDevice> blockDevices = new ArrayList<>();
        Map<String, String> tags = new LinkedHashMap<>();
        Set<String> launchUserIds = new LinkedHashSet<>();
        Set<String> launchGroups = new LinkedHashSet<>();
        /** Organization and OU ARNs given launch permission ({@code OrganizationArn}, {@code OrganizationalUnitArn}). */
        Set<String> launchOrganizations = new LinkedHashSet<>();
        Set<String> launchOrganizationalUnits = new LinkedHashSet<>();
        /** What its instances boot with; {@code null} for a public image, whose contents follow its name. */
        InstanceContents contents;
        /** The directories its real machines boot from, top first, the base image last; null for a modelled image. */
        java.util.List<java.nio.file.Path> layers;

        String state(Instant now) {
            if (deregisteredAt != null) {
                return "deregistered";
            }
            if (now.isBefore(readyAt)) {
                return "pending";
            }
            return fails ? "failed" : "available";
        }

        boolean registered() {
            return deregisteredAt == null;
        }

        /** Registered and, after AWS's eventual-consistency window, visible to Describe and other calls. */
        boolean deprecated(Instant now) {
            return deprecationTime != null && !now.isBefore(deprecationTime);
        }

        boolean visible(Instant now) {
            return registered() && (visibleAt == null || !now.isBefore(visibleAt));
        }

        /** What DescribeImages lists: the visible images, and deregistered ones for a short while. */
        boolean listed(Instant now) {
            return visible(now) || !registered() && listedUntil != null && now.isBefore(listedUntil);
        }

        /** Whether this image still holds its name: registered, or deregistered only a moment ago. */
        boolean holdsName(Instant now) {
            return registered() || nameHeldUntil != null && now.isBefore(nameHeldUntil);
        }

        List<String> snapshotIds() {
            return blockDevices.stream().map(BlockDevice::snapshotId).filter(s -> s != null).toList();
        }
    }

    static final class Snapshot {
        String region;
        String id;
        String volumeId;
        String ownerId;
        int volumeSize;
        String description;
        boolean encrypted;
        String kmsKeyId;
        Instant startTime;
        Instant completeAt;
        Image image;
        boolean deleted;
        /** Accounts given CreateVolumePermission (ModifySnapshotAttribute): they may copy it. */
        Set<String> createVolumeUserIds = new LinkedHashSet<>();
        Map<String, String> tags = new LinkedHashMap<>();

        String state(Instant now) {
            if (now.isBefore(completeAt)) {
                return "pending";
            }
            return image != null && image.fails ? "error" : "completed";
        }

        /** A whole percentage that rises linearly from start to completion, as AWS reports it ("45%"). */
        String progress(Instant now) {
            if (!now.isBefore(completeAt)) {
                return image != null && image.fails ? "0%" : "100%";
            }
            long total = Math.max(1, Duration.between(startTime, completeAt).toMillis());
            long done = Math.max(0, Duration.between(startTime, now).toMillis());
            return Math.min(99, done * 100 / total) + "%";
        }
    }

    static final class Parameter {
        String name;
        String type;
        String value;
        String dataType;
        String description;
        long version;
        Instant lastModified;
        Map<String, String> tags = new LinkedHashMap<>();
    }

    /** A SendCommand and its invocations, one per instance. */
    static final class Command {
        String region;
        String id;
        String documentName;
        String comment;
        List<String> lines;
        Map<String, List<String>> parameters;
        int timeoutSeconds;
        int executionTimeoutSeconds;
        Instant sentAt;
        Map<String, Invocation> invocations = new LinkedHashMap<>();
    }

    /** The planned run of a command on one instance; its status is computed on read. */
    static final class Invocation {
        String instanceId;
        Instant visibleAt;
        Instant startAt;
        Instant endAt;
        String finalStatus;
        String finalDetails;
        int responseCode;
        boolean shutsDown;
        String stdout;
        String stderr;
    }
}
