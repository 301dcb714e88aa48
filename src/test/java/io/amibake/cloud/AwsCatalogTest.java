package io.amibake.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;

class AwsCatalogTest {

    @Test
    void regionsAreTheCommercialPartitionWithoutGlobalPseudoRegions() {
        // when
        Set<String> regions = AwsCatalog.regions();

        // then
        assertThat(regions).contains("us-east-1", "eu-west-1", "ap-southeast-2")
                .doesNotContain("aws-global", "cn-north-1", "us-gov-west-1", "us-iso-east-1", "eusc-de-east-1");
    }

    @Test
    void theFastPrefixRuleAgreesWithTheSdksPartitionMetadata() {
        // given
        Set<String> byPartition = Region.regions().stream()
                .filter(region -> !region.isGlobalRegion())
                .filter(region -> AwsCatalog.COMMERCIAL_PARTITION.equals(PartitionMetadata.of(region).id()))
                .map(Region::id)
                .collect(Collectors.toSet());

        // when / then
        assertThat(AwsCatalog.regions()).containsExactlyInAnyOrderElementsOf(byPartition);
    }

    @Test
    void instanceTypesComeFromTheSdk() {
        // when / then
        assertThat(AwsCatalog.instanceTypes()).contains("t3.micro", "m7g.large").doesNotContain("t3.micor");
    }
}
