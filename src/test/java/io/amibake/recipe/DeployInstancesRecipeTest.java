package io.amibake.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** deploy.instances as the loader reads it, and as the printer writes it back. */
class DeployInstancesRecipeTest {

    private static final String BASE = """
            name: web
            source: {region: us-east-1, ami: ami-0123456789abcdef0}
            build: {instanceType: t3.micro}
            image: {name: "{{recipe}}-{{date}}"}
            regions: [us-east-1, eu-west-1]
            """;

    @Test
    void networkSettingsAreGivenPerRegion() throws RecipeException {
        // when
        Recipe recipe = RecipeLoader.parse(BASE + """
                deploy:
                  instances:
                    count: 3
                    instanceType: t3.small
                    subnet: {eu-west-1: subnet-0123456789abcdef0}
                    securityGroups: {us-east-1: [sg-0123456789abcdef0, sg-12345678]}
                """, "web.yaml", Map.of());

        // then
        DeployInstances instances = recipe.deploy().instances();
        assertThat(instances).isEqualTo(new DeployInstances(3, "t3.small",
                Map.of("eu-west-1", "subnet-0123456789abcdef0"),
                Map.of("us-east-1", List.of("sg-0123456789abcdef0", "sg-12345678"))));
        assertThat(instances.subnet("us-east-1")).isNull();
        assertThat(instances.securityGroups("eu-west-1")).isEmpty();
        assertThat(recipe.deploy().deploysInstances("eu-west-1")).isTrue();
        assertThat(recipe.deploy().covers("eu-west-1")).as("no launch template").isFalse();
    }

    @Test
    void oneSubnetAndListOfGroupsBelongToTheOneDeployRegion() throws RecipeException {
        // when
        Recipe recipe = RecipeLoader.parse(BASE + """
                deploy:
                  regions: [eu-west-1]
                  instances: {count: 0, subnet: subnet-0123456789abcdef0, securityGroups: [sg-12345678]}
                """, "web.yaml", Map.of());

        // then
        DeployInstances instances = recipe.deploy().instances();
        assertThat(instances.count()).isZero();
        assertThat(instances.subnets()).isEqualTo(Map.of("eu-west-1", "subnet-0123456789abcdef0"));
        assertThat(instances.securityGroups()).isEqualTo(Map.of("eu-west-1", List.of("sg-12345678")));
        assertThat(recipe.deploy().deploysInstances("us-east-1")).isFalse();
    }

    @Test
    void thePrintedRecipeReadsBackToTheSameDeploy() throws RecipeException {
        // given
        Recipe recipe = RecipeLoader.parse(BASE + """
                test: {regions: all}
                deploy:
                  launchTemplate: web-lt
                  instances: {count: 2, subnet: {us-east-1: subnet-0123456789abcdef0}}
                """, "web.yaml", Map.of());

        // when
        Recipe again = RecipeLoader.parse(RecipePrinter.toYaml(recipe), "printed.yaml", Map.of());

        // then
        assertThat(again.deploy()).isEqualTo(recipe.deploy());
        assertThat(again.test().testsCopies()).isTrue();
    }
}
