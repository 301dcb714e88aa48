package io.amibake;

/** Small recipes the tests write: the source region only, a build instance SSM reaches, no image test. */
public final class TestRecipes {

    private TestRecipes() {
    }

    /**
     * A recipe named {@code name} whose one provisioning step, {@code shout}, runs {@code run}, with
     * {@code more} (top-level YAML, such as a schedule section) at its end.
     */
    public static String oneRegion(String name, String run, String more) {
        return """
                name: %s
                source:
                  region: us-east-1
                  ssm: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
                build:
                  instanceType: t3.micro
                  instanceProfile: AmazonSSMRoleForInstancesQuickSetup
                provision:
                  - name: shout
                    run: %s
                image:
                  name: "{{recipe}}-{{date:yyyyMMdd-HHmmss}}-{{timestamp}}"
                test:
                  defaults: false
                """.formatted(name, run) + more;
    }
}
