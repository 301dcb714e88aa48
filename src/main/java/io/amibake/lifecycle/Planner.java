package io.amibake.lifecycle;

import io.amibake.cloud.CloudException;
import io.amibake.cloud.CopyRequest;
import io.amibake.cloud.DryRun;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Ec2Preflight;
import io.amibake.cloud.Image;
import io.amibake.cloud.KmsGateway;
import io.amibake.cloud.LaunchRequest;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.cloud.BakeTags;
import io.amibake.cloud.SourceImages;
import io.amibake.recipe.Build;
import io.amibake.recipe.CommandPlan;
import io.amibake.recipe.Durations;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.Regions;
import io.amibake.recipe.Templates;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a recipe against the account before a bake spends anything: the source image, the image
 * name in every region, the regions, the instance type, the subnets and security groups of the build
 * and of deployed and tested instances, the instance profile and KMS keys, and, with {@code DryRun},
 * whether EC2 would allow RunInstances and each CopyImage. It only reads and dry-runs: nothing is
 * created. Every check runs, whatever the others found, so the person fixes every problem in one
 * pass. What no request can answer before the bake is listed as not checked, with the reason.
 */
public final class Planner {

    private final Ec2Gateway ec2;
    private final Ec2Preflight preflight;
    private final SsmGateway ssm;
    private final KmsGateway kms;
    private final LaunchTemplates templates;
    private final Clock clock;

    public Planner(Ec2Gateway ec2, Ec2Preflight preflight, SsmGateway ssm, KmsGateway kms, LaunchTemplates templates,
                   Clock clock) {
        this.ec2 = ec2;
        this.preflight = preflight;
        this.ssm = ssm;
        this.kms = kms;
        this.templates = templates;
        this.clock = clock;
    }

    public Plan plan(Recipe recipe) {
        Findings found = new Findings();
        String sourceRegion = recipe.source().region();
        List<String> regions = recipe.imageRegions();
        Instant now = clock.instant();
        String imageName = Templates.render(recipe.image().name(), recipe, now);

        checkRegions(found, sourceRegion, regions);
        Image source = resolveSource(found, recipe);
        checkNameFree(found, regions, imageName);
        checkBuildInstance(found, recipe.build(), sourceRegion);
        checkLaunches(found, recipe);
        checkKmsKeys(found, recipe.regions());

        // The tags as the bake sends them: IAM may allow CreateTags only for some keys or values.
        Map<String, String> recipeTags = new LinkedHashMap<>();
        recipe.image().tags().forEach((key, value) -> recipeTags.put(key, Templates.render(value, recipe, now)));
        Map<String, String> tags = BakeTags.forImage(recipeTags, recipe.name(), "plan", imageName);
        if (source == null) {
            found.problem("RunInstances and CopyImage not asked with DryRun: the source image is not known");
        } else {
            Build build = recipe.build();
            LaunchRequest launch = new LaunchRequest(source.id(), source.rootDeviceName(), build.instanceType(),
                    build.subnet(), build.securityGroups(), build.instanceProfile(), build.volumeSize(),
                    BakeTags.forInstance(recipe.name(), "plan", 0), null);
            dryRun(found, () -> preflight.dryRunLaunch(sourceRegion, launch), "RunInstances", sourceRegion);
        }
        for (String region : source == null ? List.<String>of() : regions.subList(1, regions.size())) {
            Regions r = recipe.regions();
            CopyRequest copy = new CopyRequest(sourceRegion, source.id(), imageName, "", null, r.encrypted(),
                    r.kmsKeys().get(region), tags);
            dryRun(found, () -> preflight.dryRunCopyImage(region, copy), "CopyImage", region);
        }
        return new Plan(recipe.name(), source == null ? null : source.id() + " (" + source.name() + ")", imageName,
                found.checks, found.problems, creates(recipe, imageName, now), unchecked(recipe));
    }

    /**
     * What the bake will ask that no request before it can answer, and why. EC2 authorizes an action
     * on a resource against that resource and its tags (IAM resource-level permissions): before the
     * build instance and the image exist there is nothing to evaluate, and AWS does not document what
     * a dry run naming a resource that does not exist answers, so plan does not send one.
     */
    static List<String> unchecked(Recipe recipe) {
        List<String> lines = new ArrayList<>();
        lines.add("StopInstances, CreateImage and TerminateInstances on the build instance: EC2 authorizes them"
                + " against that instance and its tags, which exist only once the bake launched it");
        List<String> imageActions = new ArrayList<>();
        if (!recipe.regions().shareWith().isEmpty() || recipe.image().settings().imdsSupport() != null) {
            imageActions.add("ModifyImageAttribute");
        }
        if (recipe.image().settings().deprecateAfter() != null) {
            imageActions.add("EnableImageDeprecation");
        }
        if (recipe.image().settings().deregistrationProtection()) {
            imageActions.add("EnableImageDeregistrationProtection");
        }
        if (recipe.image().retention() != null) {
            imageActions.add("DeregisterImage and DeleteSnapshot (retention)");
        }
        if (!imageActions.isEmpty()) {
            lines.add(String.join(", ", imageActions) + " on the image and its copies: authorized against images"
                    + " that do not exist yet");
        }
        List<String> ssmActions = new ArrayList<>();
        if (!CommandPlan.of(recipe).isEmpty()) {
            ssmActions.add("SendCommand");
        }
        if (recipe.regions().ssmParameter() != null) {
            ssmActions.add("PutParameter");
        }
        if (!ssmActions.isEmpty()) {
            lines.add("SSM " + String.join(" and ", ssmActions) + ": SSM has no DryRun"
                    + (ssmActions.contains("SendCommand") ? " (and whether the build instance's agent comes Online"
                            + " shows only during the bake)" : ""));
        }
        if (recipe.regions().encrypted()) {
            lines.add("the use of the KMS keys by the encrypted copies (key policies and grants): EBS checks the key"
                    + " only when the copy runs, and a copy with a key it cannot use is accepted and then fails;"
                    + " DescribeKey above shows only that each named key exists and is enabled");
        }
        Set<String> launchRegions = new LinkedHashSet<>();
        if (!CommandPlan.tests(recipe).isEmpty()) {
            launchRegions.add(recipe.source().region());
        }
        launchRegions.addAll(launchRegions(recipe).keySet());
        if (!launchRegions.isEmpty()) {
            lines.add("RunInstances of deployed or tested instances in " + String.join(", ", launchRegions)
                    + ": they launch the new image, which does not exist yet (their subnets and security groups"
                    + " are checked above)");
        }
        if (recipe.deploy().launchTemplate() != null) {
            lines.add("CreateLaunchTemplate, CreateLaunchTemplateVersion and ModifyLaunchTemplate: not asked with"
                    + " DryRun");
        }
        return lines;
    }

    private void checkRegions(Findings found, String sourceRegion, List<String> regions) {
        found.attempt("the enabled regions", () -> {
            List<String> enabled = ec2.enabledRegions(sourceRegion);
            for (String region : regions) {
                if (enabled.contains(region)) {
                    found.check("region " + region + " is enabled");
                } else {
                    found.problem("region " + region + " is not enabled for this account (DescribeRegions does not"
                            + " list it); enable it in the account settings or drop it from regions");
                }
            }
        });
    }

    private Image resolveSource(Findings found, Recipe recipe) {
        String region = recipe.source().region();
        Image[] image = {null};
        found.attempt("the source image", () -> {
            String id;
            try {
                id = SourceImages.resolve(ec2, ssm, recipe.source().query());
            } catch (CloudException e) {
                found.problem("source image cannot be resolved in " + region + ": " + e.code() + ": " + e.getMessage());
                return;
            }
            Image described = ec2.describeImages(region, List.of(id)).get(id);
            if (described == null || !described.isAvailable()) {
                found.problem("source image " + id + " is " + (described == null ? "unknown" : described.state())
                        + " in " + region);
            } else {
                found.check("source image " + id + " (" + described.name() + ") is available in " + region);
                image[0] = described;
            }
        });
        return image[0];
    }

    private void checkNameFree(Findings found, List<String> regions, String imageName) {
        for (String region : regions) {
            found.attempt("the image name in " + region, () -> {
                Optional<Image> taken = ec2.findOwnImageByName(region, imageName);
                if (taken.isPresent()) {
                    found.problem("image name '" + imageName + "' is taken in " + region + " by " + taken.get().id()
                            + "; put {{timestamp}} or {{date}} in image.name, or deregister it");
                } else {
                    found.check("image name '" + imageName + "' is free in " + region);
                }
            });
        }
    }

    private void checkBuildInstance(Findings found, Build build, String region) {
        found.attempt("instance type " + build.instanceType(), () -> {
            if (preflight.offersInstanceType(region, build.instanceType())) {
                found.check("instance type " + build.instanceType() + " is offered in " + region);
            } else {
                found.problem("instance type " + build.instanceType() + " is not offered in " + region
                        + " (DescribeInstanceTypeOfferings); pick another build.instanceType");
            }
        });
        checkNetwork(found, region, build.subnet(), build.securityGroups(), "");
    }

    /**
     * What deployed instances and the tests of copies launch, per region: deployed ones of their type
     * in the deploy subnet and groups; a copy's test instance of the build's type in the deploy
     * subnet, if any, with the VPC's default group (TestCopyStep). The source region counts only for
     * deployed instances: its test instance launches as the build instance does.
     */
    private static Map<String, List<Launch>> launchRegions(Recipe recipe) {
        Map<String, List<Launch>> launches = new LinkedHashMap<>();
        List<String> regions = recipe.imageRegions();
        var instances = recipe.deploy().instances();
        for (String region : regions) {
            List<Launch> here = new ArrayList<>();
            if (recipe.deploy().deploysInstances(region) && instances.count() > 0) {
                here.add(new Launch("deploy.instances", instances.instanceType() != null ? instances.instanceType()
                        : recipe.build().instanceType(), instances.subnet(region), instances.securityGroups(region)));
            }
            if (recipe.test().testsCopies() && !region.equals(regions.get(0))) {
                here.add(new Launch("test of the copy", recipe.build().instanceType(),
                        instances == null ? null : instances.subnet(region), List.of()));
            }
            if (!here.isEmpty()) {
                launches.put(region, here);
            }
        }
        return launches;
    }

    private record Launch(String what, String instanceType, String subnet, List<String> securityGroups) {
    }

    /** Each region's deployed and test instances: their type is offered there, their network exists. */
    private void checkLaunches(Findings found, Recipe recipe) {
        String source = recipe.source().region();
        Set<String> askedTypes = new HashSet<>(List.of(source + " " + recipe.build().instanceType()));
        Set<String> askedNetworks = new HashSet<>(List.of(source + " " + recipe.build().subnet()
                + " " + recipe.build().securityGroups()));
        launchRegions(recipe).forEach((region, launches) -> {
            for (Launch launch : launches) {
                String label = launch.what() + ": ";
                if (askedTypes.add(region + " " + launch.instanceType())) {
                    found.attempt("instance type " + launch.instanceType() + " in " + region, () -> {
                        if (preflight.offersInstanceType(region, launch.instanceType())) {
                            found.check(label + "instance type " + launch.instanceType() + " is offered in " + region);
                        } else {
                            found.problem(label + "instance type " + launch.instanceType() + " is not offered in "
                                    + region + " (DescribeInstanceTypeOfferings)");
                        }
                    });
                }
                if (askedNetworks.add(region + " " + launch.subnet() + " " + launch.securityGroups())) {
                    checkNetwork(found, region, launch.subnet(), launch.securityGroups(), label);
                }
            }
        });
    }

    /** The subnet (or the default VPC without one) and security groups exist in the region and share a VPC. */
    private void checkNetwork(Findings found, String region, String subnet, List<String> securityGroups,
                              String label) {
        String[] subnetVpc = {null};
        if (subnet != null) {
            found.attempt("subnet " + subnet, () -> {
                subnetVpc[0] = preflight.subnetVpcs(region, List.of(subnet)).get(subnet);
                if (subnetVpc[0] == null) {
                    found.problem(label + "subnet " + subnet + " does not exist in " + region);
                } else {
                    found.check(label + "subnet " + subnet + " exists in " + region + " (" + subnetVpc[0] + ")");
                }
            });
        } else {
            found.attempt("the default VPC of " + region, () -> {
                if (preflight.hasDefaultVpc(region)) {
                    found.check(label.isEmpty() ? "the build instance goes to the default VPC of " + region
                            : label + "instances go to the default VPC of " + region);
                } else {
                    found.problem(region + " has no default VPC; set " + (label.isEmpty() ? "build.subnet"
                            : "deploy.instances.subnet for " + region));
                }
            });
        }
        if (!securityGroups.isEmpty()) {
            found.attempt("the security groups in " + region, () -> {
                Map<String, String> groups = preflight.securityGroupVpcs(region, securityGroups);
                for (String group : securityGroups) {
                    String vpc = groups.get(group);
                    if (vpc == null) {
                        found.problem(label + "security group " + group + " does not exist in " + region);
                    } else if (subnetVpc[0] != null && !vpc.equals(subnetVpc[0])) {
                        found.problem(label + "security group " + group + " is in " + vpc + ", subnet " + subnet
                                + " in " + subnetVpc[0] + "; they must share a VPC");
                    } else {
                        found.check(label + "security group " + group + " exists in " + region);
                    }
                }
            });
        }
    }

    private void checkKmsKeys(Findings found, Regions regions) {
        regions.kmsKeys().forEach((region, key) -> found.attempt("KMS key " + key + " in " + region, () -> {
            Optional<KmsGateway.Key> described = kms.describeKey(region, key);
            if (described.isEmpty()) {
                found.problem("KMS key " + key + " does not exist in " + region + " (regions.kmsKeys)");
            } else if (!described.get().isEnabled()) {
                found.problem("KMS key " + key + " in " + region + " is " + described.get().state()
                        + "; a copy encrypted with it would fail");
            } else {
                found.check("KMS key " + key + " exists in " + region + " and is enabled");
            }
        }));
    }

    private void dryRun(Findings found, java.util.function.Supplier<DryRun> ask, String action, String region) {
        found.attempt(action + " in " + region, () -> {
            DryRun answer = ask.get();
            if (answer.allowed()) {
                found.check(action + " in " + region + " would be allowed (DryRun)");
            } else if ("UnauthorizedOperation".equals(answer.code())) {
                found.problem(action + " in " + region + " would be denied: UnauthorizedOperation (DryRun): "
                        + firstSentence(answer.message()));
            } else {
                found.problem(action + " in " + region + " would fail: " + answer.code() + " (DryRun): "
                        + answer.message());
            }
        });
    }

    private Map<String, List<String>> creates(Recipe recipe, String imageName, Instant now) {
        Map<String, List<String>> creates = new LinkedHashMap<>();
        List<String> regions = recipe.imageRegions();
        String parameter = recipe.regions().ssmParameter() == null ? null
                : Templates.render(recipe.regions().ssmParameter(), recipe, now);
        for (String region : regions) {
            List<String> here = new ArrayList<>();
            if (region.equals(regions.get(0))) {
                here.add("build instance (" + recipe.build().instanceType() + ") and its root volume, terminated"
                        + " at the end");
                here.add("image '" + imageName + "' and its snapshots");
                if (!CommandPlan.tests(recipe).isEmpty()) {
                    here.add("test instance of the image, terminated after " + CommandPlan.tests(recipe).size()
                            + " tests");
                }
            } else {
                here.add((recipe.regions().encrypted() ? "encrypted copy" : "copy") + " of the image and its snapshots");
                if (recipe.test().testsCopies()) {
                    here.add("test instance of the copy, terminated after its tests");
                }
            }
            if (recipe.deploy().deploysInstances(region)) {
                var instances = recipe.deploy().instances();
                here.add(instances.count() == 0 ? "deployed instances of earlier bakes terminated (count: 0)"
                        : instances.count() + " deployed instance" + (instances.count() == 1 ? "" : "s") + " ("
                                + (instances.instanceType() != null ? instances.instanceType()
                                        : recipe.build().instanceType())
                                + ") of the new image, replacing those of the previous bake once tested");
            }
            if (!recipe.regions().shareWith().isEmpty()) {
                here.add("launch permission for " + String.join(", ", recipe.regions().shareWith()));
            }
            if (parameter != null) {
                here.add("SSM parameter " + parameter + " set to the new image");
            }
            if (recipe.deploy().covers(region)) {
                here.add(launchTemplate(recipe.deploy().launchTemplate(), region));
            }
            if (recipe.image().retention() != null) {
                var retention = recipe.image().retention();
                here.add("retention: the newest " + retention.keep() + " images of " + recipe.name()
                        + (retention.maxAge() == null ? "" : " and those younger than "
                        + Durations.human(retention.maxAge())) + " stay; older ones are deregistered with their"
                        + " snapshots");
            }
            creates.put(region, here);
        }
        return creates;
    }

    private String launchTemplate(String name, String region) {
        try {
            return templates.defaultVersion(region, name)
                    .map(v -> "launch template " + name + ": a new default version after v" + v.number())
                    .orElse("launch template " + name + " created (none exists yet)");
        } catch (CloudException e) {
            return "launch template " + name + " (could not look: " + e.code() + ")";
        }
    }

    private static String firstSentence(String message) {
        if (message == null) {
            return "no message";
        }
        int end = message.indexOf(". ");
        return end < 0 ? message : message.substring(0, end + 1);
    }

    /** The checks' outcomes, in the order they ran; a check that could not run is a problem too. */
    private static final class Findings {
        final List<String> checks = new ArrayList<>();
        final List<String> problems = new ArrayList<>();

        void check(String line) {
            checks.add(line);
        }

        void problem(String line) {
            problems.add(line);
        }

        void attempt(String what, Runnable check) {
            try {
                check.run();
            } catch (CloudException e) {
                problems.add("could not check " + what + ": " + e.code() + ": " + e.getMessage());
            }
        }
    }
}
