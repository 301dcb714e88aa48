package io.amibake.sandbox;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The public images every region starts with, and the public SSM parameters that point at them,
 * as Amazon and Canonical publish them. Ids are derived from region and name, so they differ per
 * region (as in AWS) but stay the same across sandbox restarts.
 */
final class PublicImages {

    static final String AL2023_X86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
    static final String AL2023_ARM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
    static final String AMZN2_X86 = "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2";
    static final String UBUNTU_2404 = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";
    static final String DEBIAN_12 = "/aws/service/debian/release/12/latest/amd64";
    static final String DEBIAN_12_NAME = "debian-12-amd64-20241201-1948";

    private PublicImages() {
    }

    /**
     * Seeds the region's public images and parameters; {@code debianLayers}, when the sandbox runs
     * real machines, are what instances of the Debian image boot from.
     */
    static Cloud.Region seed(Cloud.Region region, Instant now, java.util.List<java.nio.file.Path> debianLayers) {
        Instant published = Instant.parse("2024-12-12T21:07:41Z");
        add(region, now, published, AL2023_X86, "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64",
                "Amazon Linux 2023 AMI 2023.6.20241212.0 x86_64 HVM kernel-6.1", "x86_64", Cloud.AMAZON_OWNER,
                "amazon", "/dev/xvda");
        add(region, now, published, AL2023_ARM, "al2023-ami-2023.6.20241212.0-kernel-6.1-arm64",
                "Amazon Linux 2023 AMI 2023.6.20241212.0 arm64 HVM kernel-6.1", "arm64", Cloud.AMAZON_OWNER,
                "amazon", "/dev/xvda");
        add(region, now, published, AMZN2_X86, "amzn2-ami-hvm-2.0.20241217.0-x86_64-gp2",
                "Amazon Linux 2 AMI 2.0.20241217.0 x86_64 HVM gp2", "x86_64", Cloud.AMAZON_OWNER, "amazon", "/dev/xvda");
        add(region, now, published, UBUNTU_2404, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241206",
                "Canonical, Ubuntu, 24.04, amd64 noble image", "x86_64", Cloud.CANONICAL_OWNER, null, "/dev/sda1");
        add(region, now, published, DEBIAN_12, DEBIAN_12_NAME, "Debian 12 (20241201-1948)", "x86_64",
                Cloud.DEBIAN_OWNER, null, "/dev/xvda").layers = debianLayers;
        return region;
    }

    private static Cloud.Image add(Cloud.Region region, Instant now, Instant published, String parameter, String name,
            String description, String architecture, String owner, String alias, String rootDevice) {
        Cloud.Image image = new Cloud.Image();
        image.region = region.name;
        image.id = "ami-0" + hash(region.name + "/" + name, 16);
        image.name = name;
        image.description = description;
        image.ownerId = owner;
        image.ownerAlias = alias;
        image.isPublic = true;
        image.architecture = architecture;
        image.rootDeviceName = rootDevice;
        image.createdAt = published;
        image.readyAt = published;
        image.blockDevices.add(new Cloud.BlockDevice(rootDevice, "snap-0" + hash(region.name + "/snap/" + name, 16),
                8, "gp3", false, null, true, null));
        region.images.put(image.id, image);

        Cloud.Parameter p = new Cloud.Parameter();
        p.name = parameter;
        p.type = "String";
        p.value = image.id;
        p.dataType = "text";
        p.version = 1;
        p.lastModified = now;
        region.parameters.put(p.name, p);
        return image;
    }

    private static String hash(String text, int length) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, length);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
