package io.amibake.engine.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** A target's line, as stored with a bake, and what bakes stored before targets had accounts. */
class TargetTest {

    @Test
    void whatBakesStoredBeforeTargetsReadsAsTheCloudTheyRanAgainst() {
        assertThat(Target.parse("aws")).isEqualTo(Target.aws(null));
        assertThat(Target.parse(null)).isEqualTo(Target.aws(null));
        assertThat(Target.parse("http://127.0.0.1:4566")).isEqualTo(Target.endpoint(URI.create("http://127.0.0.1:4566")));
        assertThat(Target.parse("sandbox").inProcess()).isTrue();
    }

    @Test
    void aTargetReadsBackAsWritten() {
        Target profile = new Target(null, false, Target.Credentials.profile("prod"), "111122223333");
        Target sandbox = Target.inProcessSandbox(URI.create("http://127.0.0.1:40000")).withAccount("123456789012");
        Target role = new Target(null, false, new Target.Credentials(Target.Source.ROLE,
                "arn:aws:iam::111122223333:role/baker"), null);
        Target envEndpoint = new Target(URI.create("http://localhost:4566"), false, Target.Credentials.DEFAULT, null);

        for (Target target : new Target[] {profile, sandbox, role, envEndpoint}) {
            assertThat(Target.parse(target.toString())).isEqualTo(target);
        }
        assertThat(profile.toString()).isEqualTo("aws profile=prod account=111122223333");
    }

    @Test
    void leasesAreKeyedByAccountAndEndpointAndWaitsByCloud() {
        Target prod = new Target(null, false, Target.Credentials.profile("prod"), "111122223333");
        Target admin = new Target(null, false, Target.Credentials.profile("admin"), "111122223333");

        assertThat(prod.key()).isEqualTo(admin.key()).isEqualTo("aws account=111122223333");
        assertThat(prod.waitsKey()).isEqualTo("aws");
        assertThat(Target.inProcessSandbox(URI.create("http://127.0.0.1:40000")).waitsKey()).isEqualTo("sandbox");
        assertThat(prod.sameReach(admin)).isFalse();
    }
}
