package io.amibake.sandbox;

import tools.jackson.databind.JsonNode;

/** The admin API's fault requests ({@code POST /_sandbox/faults}), read into {@link Faults}. */
final class AdminFaults {

    private AdminFaults() {
    }

    /**
     * Arms one fault from the admin API's JSON: {@code {"fault":"failNext","operation":...,
     * "region":...,"errorCode":...,"times":...}}, {@code "failAfter"} (the same fields), {@code "dropNext"} (operation, region, times),
     * {@code "failCommand"} (regex, exitCode, stderr, times, region), {@code "failNextImage"} (region),
     * {@code "failImage"} (imageId of a pending image), {@code "deny"} (operation, region: until cleared)
     * or {@code "holdAptLock"} (seconds, and name: the next real machine, or the next whose instance's
     * Name tag is name, holds apt's locks that long).
     */
    static void arm(Faults faults, JsonNode f) {
        String kind = SsmApi.text(f, "fault");
        if (kind == null) {
            throw new IllegalArgumentException("a fault needs \"fault\": failNext, dropNext, failCommand, failNextImage, "
                    + "failImage, deny or holdAptLock");
        }
        int times = f.path("times").asInt(1);
        switch (kind) {
            case "failNext" -> faults.failNext(required(f, "operation"), SsmApi.text(f, "region"),
                    required(f, "errorCode"), times);
            case "failAfter" -> faults.failAfter(required(f, "operation"), SsmApi.text(f, "region"),
                    required(f, "errorCode"), times);
            case "dropNext" -> faults.dropNext(required(f, "operation"), SsmApi.text(f, "region"), times);
            case "failCommand" -> faults.failCommand(required(f, "regex"), f.path("exitCode").asInt(1),
                    SsmApi.text(f, "stderr"), times, SsmApi.text(f, "region"));
            case "failNextImage" -> faults.failNextImage(required(f, "region"));
            case "failImage" -> faults.failImage(required(f, "imageId"));
            case "deny" -> faults.deny(required(f, "operation"), SsmApi.text(f, "region"));
            case "holdAptLock" -> faults.holdAptLock(java.time.Duration.ofSeconds(f.path("seconds").asLong(0)),
                    SsmApi.text(f, "name"));
            default -> throw new IllegalArgumentException("unknown fault '" + kind
                    + "': expected failNext, failAfter, dropNext, failCommand, failNextImage, failImage, deny or "
                    + "holdAptLock");
        }
    }

    private static String required(JsonNode node, String field) {
        String value = SsmApi.text(node, field);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("the fault needs \"" + field + "\"");
        }
        return value;
    }
}
