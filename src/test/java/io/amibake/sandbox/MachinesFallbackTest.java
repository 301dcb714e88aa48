package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Real machines asked for on a host that cannot run them: one line says so, and the shell model stands in. */
class MachinesFallbackTest {

    @Test
    void aHostThatCannotRunContainersSaysSoInOneLineAndModelsDebianInstances() throws Exception {
        // given
        Cloud cloud = new Cloud(SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z")), LatencyProfile.aws());

        // when
        SandboxMachines machines = SandboxMachines.start(MachineOptions.of("debian"), cloud, new Faults(id -> false),
                Optional.of("not running as root"));

        // then
        assertThat(machines.real()).isFalse();
        assertThat(machines.fallback()).contains("no real machines on this host (not running as root): Debian "
                + "instances run on the shell model, as without --machines");
        assertThat(machines.containers()).isEmpty();
        assertThat(cloud.machines).isNull();
        Cloud.Image debian = cloud.region("us-east-1").images.values().stream()
                .filter(i -> i.name.equals(PublicImages.DEBIAN_12_NAME)).findFirst().orElseThrow();
        assertThat(debian.layers).isNull();
        assertThat(InstanceContents.of(debian).packageManager).isEqualTo("apt-get");
        assertThatThrownBy(() -> machines.image(debian.id)).isInstanceOf(IllegalArgumentException.class);
        assertThat(List.of(machines.fallback().orElseThrow().split("\n"))).hasSize(1);
    }
}
