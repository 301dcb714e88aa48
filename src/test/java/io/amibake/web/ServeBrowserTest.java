package io.amibake.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.Ci;
import io.amibake.TestRecipes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code amibake serve} as an operator uses it: one serve process (a child JVM, its own sandbox
 * at a fast time scale) for the class, opened in Debian's headless Chromium through Selenium. The
 * fleet lists the recipes; a bake started from the page shows up and its timeline advances live;
 * pause and resume change the schedule; an action without the token is refused; a stalled client
 * does not hold up health. Screenshots of each page are kept under target/screenshots.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final String TOKEN = "browser-test-token-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    static Path dir;

    private static Process serve;
    private static String url;
    private static WebDriver browser;
    private static final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startServeAndBrowser() throws Exception {
        // CI installs Debian's chromium and chromium-driver (.ci/run).
        Ci.require(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "chromium and chromedriver for the console's browser test: apt-get install chromium chromium-driver");
        Path recipes = Files.createDirectories(dir.resolve("recipes"));
        String schedule = """
                regions:
                  targets: [us-east-1, us-west-2]
                  ssmParameter: /amibake/{{recipe}}/latest
                schedule:
                  cron: "0 2 * * *"
                  zone: Europe/Berlin
                """;
        Files.writeString(recipes.resolve("alpha.yaml"), TestRecipes.oneRegion("alpha",
                "echo '<b>alpha</b> & baked'", schedule));
        Files.writeString(recipes.resolve("beta.yaml"), TestRecipes.oneRegion("beta", "echo beta", schedule));
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-cp", System.getProperty("java.class.path"), "io.amibake.AmibakeApplication", "serve",
                recipes.toString(), "--sandbox", "--time-scale", "0.002", "--port", "0", "--home",
                dir.resolve("home").toString()).redirectErrorStream(true);
        builder.environment().put("AMIBAKE_SERVE_TOKENS_OPERATOR", TOKEN);
        builder.environment().put("AMIBAKE_SERVE_LIVE_EVERY", "200ms");
        serve = builder.start();
        Thread reader = new Thread(() -> {
            try {
                new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8)).lines()
                        .forEach(lines::add);
            } catch (java.io.UncheckedIOException closed) {
                // The class is done and closed the stream.
            }
        }, "serve-output");
        reader.setDaemon(true);
        reader.start();
        Pattern console = Pattern.compile("console: (http://\\S+/);");
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<String> seen = new ArrayList<>();
        while (url == null) {
            String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            assertThat(line).as("serve did not say where it listens: %s", seen).isNotNull();
            seen.add(line);
            Matcher m = console.matcher(line);
            if (m.find()) {
                url = m.group(1);
            }
        }
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--window-size=1300,1000",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium")));
        options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build(), options);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (serve != null) {
            serve.destroy();
            if (!serve.waitFor(90, TimeUnit.SECONDS)) {
                serve.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    @Order(1)
    void theFleetListsTheScheduledRecipes() throws Exception {
        // when
        browser.get(url);

        // then
        assertThat(browser.findElements(By.cssSelector("#fleet tbody tr")))
                .extracting(row -> row.getAttribute("data-recipe")).containsExactly("alpha", "beta");
        assertThat(text("#fleet tr[data-recipe=beta] td.next")).contains("02:00");
        assertThat(logs()).as("console errors").isEmpty();
    }

    @Test
    @Order(2)
    void anActionWithoutTheTokenIsRefusedAndAudited() throws Exception {
        // when a form is posted without a session, and one with a session but not its CSRF token
        HttpResponse<String> anonymous = post("/recipes/beta/pause", "back=/", null);
        String cookie = http.send(HttpRequest.newBuilder(URI.create(url + "signin")).build(),
                HttpResponse.BodyHandlers.ofString()).headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        HttpResponse<String> forged = post("/signin", "token=" + TOKEN + "&_csrf=guessed", cookie);

        // then both are refused, the schedule is as it was, and the audit log says who tried what
        assertThat(anonymous.statusCode()).isEqualTo(403);
        assertThat(anonymous.body()).contains("Refused: not signed in");
        assertThat(forged.statusCode()).isEqualTo(403);
        browser.get(url);
        assertThat(browser.findElements(By.cssSelector("#fleet .badge.paused"))).isEmpty();
        assertThat(Files.readAllLines(dir.resolve("home/logs/audit.log"))).anySatisfy(line -> assertThat(line)
                        .contains("\"who\":null").contains("\"action\":\"pause\"").contains("\"subject\":\"beta\"")
                        .contains("\"outcome\":\"refused: not signed in"))
                .anySatisfy(line -> assertThat(line).contains("\"action\":\"sign-in\"").contains("refused: the form's CSRF"));
    }

    @Test
    @Order(3)
    void aBakeStartedFromThePageAppearsAndItsTimelineAdvancesLive() throws Exception {
        // given an operator signed in through the page
        signIn();

        // when they run alpha now from the fleet page
        browser.get(url);
        browser.findElement(By.cssSelector("#fleet tr[data-recipe=alpha] form[action$='/run'] button")).click();

        // then the fleet shows it running, and its page follows it without a reload
        WebElement running = waitFor(() -> browser.findElements(By.cssSelector("#fleet tr[data-recipe=alpha] td.next a"))
                .stream().findFirst().orElse(null));
        screenshot("fleet.png");
        running.click();
        ((JavascriptExecutor) browser).executeScript("window.notReloaded = true");
        int before = bars();
        waitFor(() -> bars() > before + 2 && Boolean.TRUE.equals(((JavascriptExecutor) browser)
                .executeScript("return window.notReloaded === true")) ? true : null);
        assertThat(text("h1 .badge")).isEqualTo("RUNNING");
        screenshot("bake-running.png");

        // and once it completes, the page shows every step of its one run and both regions
        waitFor(() -> browser.findElements(By.cssSelector("h1 .badge.completed")).isEmpty() ? null : true);
        assertThat(browser.findElements(By.cssSelector(".lane"))).hasSize(1);
        assertThat(browser.findElements(By.cssSelector("rect.bar.region")))
                .extracting(e -> e.getAttribute("data-name")).containsExactly("us-east-1", "us-west-2");
        assertThat(text("#regions tr[data-region=us-east-1]")).contains("built here");
        assertThat((String) ((JavascriptExecutor) browser).executeScript(
                "return document.querySelector('#commands').textContent")).contains("<b>alpha</b> & baked");
        assertThat(browser.findElements(By.cssSelector("#commands b"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("rect.expected"))).as("a first bake expects nothing").isEmpty();
        assertThat(logs()).isEmpty();
        screenshot("bake.png");

        // and serve's own metrics counted it under labels from fixed sets: no bake id, no image id
        // (the scheduler counts the bake once its job has ended, a moment after the page showed it)
        String text = waitFor(() -> {
            String scraped = scrape();
            return scraped.contains("amibake_last_success_timestamp_seconds{recipe=\"alpha\"}") ? scraped : null;
        });
        assertThat(text.lines().filter(l -> l.startsWith("amibake_")).toList())
                .anySatisfy(l -> assertThat(l).startsWith("amibake_bakes_total{")
                        .contains("outcome=\"completed\"").contains("recipe=\"alpha\""))
                .anySatisfy(l -> assertThat(l).startsWith("amibake_aws_requests_total{")
                        .contains("operation=\"CopyImage\"").contains("region=\"us-west-2\""))
                .noneSatisfy(l -> assertThat(l).containsPattern("ami-|alpha-2"));
    }

    @Test
    @Order(4)
    void pauseAndResumeFromThePageChangeTheSchedule() throws Exception {
        // given
        signIn();
        browser.get(url + "recipes/beta");

        // when paused
        browser.findElement(By.cssSelector("form[action$='/pause'] button")).click();

        // then the page, the schedule and its metric say so
        assertThat(text(".notice")).contains("paused");
        assertThat(text("#next")).isEqualTo("paused");
        assertThat(metric("amibake_schedule_next_run_seconds{recipe=\"beta\"}")).isEqualTo("NaN");

        // when resumed
        browser.findElement(By.cssSelector("form[action$='/resume'] button")).click();

        // then the next slot is back
        assertThat(text("#next")).contains("02:00");
        assertThat(Files.readString(dir.resolve("home/logs/audit.log")))
                .contains("\"who\":\"operator\",\"from\":\"127.0.0.1\",\"action\":\"pause\",\"subject\":\"beta\","
                        + "\"outcome\":\"done\"")
                .contains("\"action\":\"resume\",\"subject\":\"beta\",\"outcome\":\"done\"");
        browser.get(url + "recipes/alpha");
        waitFor(() -> browser.findElements(By.cssSelector("#images tr[data-image]")).size() >= 2 ? true : null);
        assertThat(text("#images")).contains("published: /amibake/alpha/latest");
        screenshot("recipe.png");
    }

    @Test
    @Order(5)
    void aStalledClientDoesNotHoldUpHealth() throws Exception {
        // given clients that send half a request and never finish it, and one that follows a bake and reads nothing
        URI base = URI.create(url);
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                Socket socket = new Socket(base.getHost(), base.getPort());
                OutputStream out = socket.getOutputStream();
                out.write("GET /actuator/health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                stalled.add(socket);
            }
            Socket follower = new Socket(base.getHost(), base.getPort());
            follower.getOutputStream().write(("GET /bakes/0/live HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream"
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            stalled.add(follower);

            // when
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(url + "actuator/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> readiness = http.send(HttpRequest.newBuilder(URI.create(url
                    + "actuator/health/readiness")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());

            // then
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(readiness.body()).contains("\"repository\":{\"status\":\"UP\"}");
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    private static void signIn() {
        browser.get(url + "signin");
        if (!browser.findElements(By.cssSelector("nav .who strong")).isEmpty()) {
            return;
        }
        browser.findElement(By.name("token")).sendKeys(TOKEN);
        browser.findElement(By.cssSelector("#signin button")).click();
        assertThat(text("nav .who strong")).isEqualTo("operator");
    }

    private static int bars() {
        return browser.findElements(By.cssSelector("rect.bar")).size();
    }

    private static String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText().strip();
    }

    private static <T> T waitFor(java.util.function.Supplier<T> condition) {
        return new WebDriverWait(browser, WAIT, Duration.ofMillis(200)).until(ignored -> condition.get());
    }

    private static List<String> logs() {
        return browser.manage().logs().get("browser").getAll().stream()
                .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                .map(Object::toString).toList();
    }

    private static void screenshot(String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        long height = (Long) ((JavascriptExecutor) browser).executeScript("return document.documentElement.scrollHeight");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1300, (int) Math.min(4000, height + 140)));
        Files.write(SCREENSHOTS.resolve(name), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1300, 1000));
    }

    private static String scrape() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url + "actuator/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException("cannot read serve's metrics", e);
        }
    }

    private static String metric(String series) throws Exception {
        return scrape().lines().filter(l -> l.startsWith(series + " ")).map(l -> l.substring(series.length() + 1))
                .findFirst().orElse("missing");
    }

    private static HttpResponse<String> post(String path, String form, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path.substring(1)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
