package io.amibake.sandbox;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A read-only view of one launch template, for tests.
 *
 * @param images version number to the image it launches, for the versions that name one
 */
public record SandboxLaunchTemplate(String region, String name, long defaultVersion, long latestVersion,
                                    SortedMap<Long, String> images) {

    public SandboxLaunchTemplate {
        images = Collections.unmodifiableSortedMap(new TreeMap<>(images));
    }
}
