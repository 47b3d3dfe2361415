package dev.salient.web;

import dev.salient.testing.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.*;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The page in headless Chromium: upload, classes, sliders, blend, method, wipe — checked on the canvas pixels. */
class BrowserTest {
    private static final Path SHOTS = Path.of("target", "screenshots");
    private static final String SIGNATURE = "const c = document.getElementById('canvas');"
            + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let h = 0;"
            + "for (let i = 0; i < d.length; i += 4) { h = (h * 31 + d[i] + d[i + 1] * 7 + d[i + 2] * 13) | 0; }"
            + "return c.width + 'x' + c.height + ':' + h;";
    private static SalientServer server;
    private static WebDriver driver;
    private static Path profile;

    @BeforeAll
    static void start() throws IOException {
        boolean installed = new File("/usr/bin/chromium").canExecute()
                && new File("/usr/bin/chromedriver").canExecute();
        // on CI a missing browser is a broken build, not a reason to skip the page's only tests
        assertThat(installed || !"true".equals(System.getenv("CI")))
                .as("CI=true but /usr/bin/chromium or /usr/bin/chromedriver is missing").isTrue();
        assumeTrue(installed, "chromium and chromedriver are installed");
        System.setProperty("SE_MANAGER", "false");
        server = new SalientServer(WebConfig.defaults().withPort(0).withExamples(SharedData.path("images")),
                new ModelRegistry(List.of(TestSupport.mobileNet(), TestSupport.quantisedMobileNet())),
                MethodRegistry.standard().with(TestSupport.SLOW)).start();
        profile = Files.createTempDirectory("salient-chrome");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--window-size=1280,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void explainsAnUploadedPhotoAndReactsToEveryControl() throws Exception {
        driver.get(server.url() + "/");
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
        wait.until(d -> new Select(d.findElement(By.id("method"))).getOptions().size() >= 2);
        assertThat(driver.findElement(By.id("model-info")).getText()).contains("224×224", "1001 classes");
        assertThat(driver.findElements(By.cssSelector("#gallery img"))).hasSizeGreaterThan(5);

        driver.findElement(By.id("file")).sendKeys(SharedData.image("bird.bmp").toAbsolutePath().toString());
        wait.until(d -> d.findElements(By.cssSelector("#classes input[type=radio]")).size() == 3);
        wait.until(d -> d.findElement(By.id("download")).isDisplayed());
        List<WebElement> labels = driver.findElements(By.cssSelector("#classes label"));
        assertThat(labels.get(0).getText()).contains("chickadee").contains("%");
        noError();
        String first = signature();
        assertThat(first).as("photo | map side by side, 8 px apart: the whole subject in both")
                .startsWith("1032x343:").doesNotContain(":0");
        String left = region(0, 512);
        String right = region(520, 512);
        String photo = photoSignature();
        assertThat(left).as("left: the photo itself").isEqualTo(photo);
        assertThat(right).as("right: the map").isNotEqualTo(photo);
        assertThat(signature()).isEqualTo(first);
        assertThat(driver.findElement(By.id("wipe")).isDisplayed()).as("the wipe is a mode, not the first view").isFalse();
        assertThat(driver.findElement(By.id("map-note")).getText())
                .as("what the demo's gradient shows, and what gives a clearer picture, from the methods' traits")
                .contains("What you see: ∂F_c/∂x").contains("speckle").contains("SmoothGrad or Grad-CAM");
        shot("1-uploaded");

        driver.findElements(By.cssSelector("#classes input[type=radio]")).get(1).click();
        String second = changed(wait, first);
        shot("2-second-class");

        WebElement sensitivity = driver.findElement(By.id("sensitivity"));
        sensitivity.sendKeys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT);
        assertThat(sensitivity.getDomProperty("value")).isEqualTo("32");
        String brighter = changed(wait, second);
        shot("3-sensitivity-32");

        driver.findElement(By.id("blend")).click();
        String blended = changed(wait, brighter);
        shot("4-blend");

        new Select(driver.findElement(By.id("method"))).selectByValue("slow");
        String slow = changed(wait, blended);
        shot("5-method-slow");

        new Select(driver.findElement(By.id("method"))).selectByValue("gradcam");
        String camBlended = changed(wait, slow);
        wait.until(d -> new Select(d.findElement(By.id("param-layer"))).getOptions().size() > 5);
        Select layer = new Select(driver.findElement(By.id("param-layer")));
        List<WebElement> layers = layer.getOptions();
        assertThat(layer.getFirstSelectedOption().getDomProperty("value"))
                .as("the last layer is the default").isEqualTo(layers.get(layers.size() - 1).getDomProperty("value"));
        assertThat(layer.getFirstSelectedOption().getText()).as("a short readable label")
                .isEqualTo("layer " + layers.size() + " · Clip · 7×7×1280");
        assertThat(layer.getFirstSelectedOption().getDomAttribute("title")).as("the raw name on hover")
                .isEqualTo(layer.getFirstSelectedOption().getDomProperty("value"));
        driver.findElement(By.id("blend")).click();
        String cam = changed(wait, camBlended);
        assertThat(cam).isNotEqualTo(blended);
        shot("5b-method-gradcam");
        assertThat(driver.findElement(By.id("map-note")).getText()).startsWith("What you see:")
                .doesNotContain("clearer picture");
        layer.selectByIndex(layers.size() / 2);
        String camEarlier = changed(wait, cam);
        shot("5c-gradcam-earlier-layer");
        noError();

        new Select(driver.findElement(By.id("layout"))).selectByValue("wipe");
        String wipedHalf = changed(wait, camEarlier);
        assertThat(wipedHalf).startsWith("512x343:");
        WebElement wipe = driver.findElement(By.id("wipe"));
        new Actions(driver).clickAndHold(wipe).moveByOffset(-wipe.getSize().width / 2 + 2, 0).release().perform();
        String wiped = changed(wait, wipedHalf);
        assertThat(Integer.parseInt(wipe.getDomProperty("value"))).isLessThan(10);
        shot("6-wiped-to-explanation");
        noError();
        assertThat(wiped).isNotEqualTo(first);

        for (WebElement cb : driver.findElements(By.cssSelector("#compare-methods input"))) {
            String v = cb.getDomProperty("value");
            if (cb.isSelected() != (v.equals("gradient") || v.equals("gradcam") || v.equals("slow"))) {
                cb.click();
            }
        }
        driver.findElement(By.id("compare")).click();
        wait.until(d -> d.findElements(By.cssSelector("#compare-grid img")).size() == 3);
        wait.until(d -> (Boolean) ((JavascriptExecutor) d).executeScript(
                "return [...document.querySelectorAll('#compare-grid img')].every(i => i.complete && i.naturalWidth > 0)"));
        assertThat(driver.findElements(By.cssSelector("#compare-grid figcaption")).stream().map(WebElement::getText))
                .containsExactly("Gradient (demo)", "Grad-CAM", "Slow (test)");
        ((JavascriptExecutor) driver).executeScript("document.getElementById('compare-grid').scrollIntoView()");
        shot("8-compare");
        noError();

        driver.findElement(By.cssSelector("#gallery button")).click();
        wait.until(d -> d.findElements(By.cssSelector("#compare-grid img")).isEmpty());
        assertThat(driver.findElements(By.cssSelector("#gallery button[aria-pressed=true]"))).hasSize(1);
        driver.findElement(By.id("compare")).click();
        wait.until(d -> d.findElements(By.cssSelector("#compare-grid img")).size() == 3);
        driver.findElement(By.id("file")).sendKeys(SharedData.image("cat.bmp").toAbsolutePath().toString());
        wait.until(d -> d.findElements(By.cssSelector("#compare-grid img")).isEmpty());
        assertThat(driver.findElements(By.cssSelector("#gallery button[aria-pressed=true]")))
                .as("an upload is no gallery photo").isEmpty();
        shot("9-new-upload-clears-comparison");
    }

    @Test
    void cancelSaysTheMapShownIsThePreviousOne() throws Exception {
        WebDriverWait wait = upload("bird.bmp");
        new Select(driver.findElement(By.id("method"))).selectByValue("slow");
        // 10 s of steps, a setting no other test uses, so the server has no cached result for it
        ((JavascriptExecutor) driver).executeScript("document.getElementById('status-text').textContent = '';"
                + "const ms = document.getElementById('param-ms'); ms.value = 1000;"
                + "ms.dispatchEvent(new Event('change'));");
        wait.until(d -> d.findElement(By.id("status-text")).getText().matches("Slow \\(test\\): [1-8] of 10 done"));
        assertThat(driver.findElement(By.id("stale")).isDisplayed()).isFalse();
        driver.findElement(By.id("cancel")).click();
        wait.until(d -> d.findElement(By.id("stale")).isDisplayed());
        assertThat(driver.findElement(By.id("stale")).getText()).contains("previous").contains("Gradient (demo)");
        shot("10-cancelled");
        new Select(driver.findElement(By.id("method"))).selectByValue("gradient");
        wait.until(d -> !d.findElement(By.id("stale")).isDisplayed());
    }

    @Test
    void probabilityBarsStayForLabelsThatWrap() throws Exception {
        WebDriverWait wait = upload("bird.bmp");
        WebElement topk = driver.findElement(By.id("topk"));
        topk.clear();
        topk.sendKeys("20", Keys.TAB);
        wait.until(d -> d.findElements(By.cssSelector("#classes input[type=radio]")).size() == 20);
        List<WebElement> names = driver.findElements(By.cssSelector("#classes label > span:first-of-type"));
        assertThat(names).as("some label wraps onto a second line")
                .anyMatch(n -> n.getSize().height > 1.5 * names.get(0).getSize().height
                        || n.getSize().height > 30);
        assertThat(driver.findElements(By.cssSelector("#classes .bar")))
                .allSatisfy(bar -> assertThat(bar.getSize().width).isGreaterThan(40));
        ((JavascriptExecutor) driver).executeScript("document.getElementById('classes').scrollIntoView()");
        shot("11-twenty-classes");
    }

    @Test
    void aPhoneWidePageDoesNotScrollSideways() throws Exception {
        Dimension before = driver.manage().window().getSize();
        try {
            driver.manage().window().setSize(new Dimension(390, 844));
            WebDriverWait wait = upload("bird.bmp");
            new Select(driver.findElement(By.id("model"))).selectByIndex(1);
            wait.until(d -> d.findElement(By.id("model-info")).getText().contains("quant"));
            new Select(driver.findElement(By.id("method"))).selectByValue("gradcam");
            wait.until(d -> new Select(d.findElement(By.id("param-layer"))).getOptions().size() > 5);
            assertThat(new Select(driver.findElement(By.id("param-layer"))).getFirstSelectedOption().getText())
                    .as("the imported TFLite model's ~250-character tensor names stay on hover")
                    .matches("layer \\d+ · Clip · 7×7×1280");
            Object overflow = ((JavascriptExecutor) driver).executeScript(
                    "const w = document.documentElement.clientWidth;"
                    + "return [document.documentElement.scrollWidth - w, [...document.querySelectorAll('body *')]"
                    + ".filter(e => e.getBoundingClientRect().right > w + 1).map(e => e.tagName + '#' + e.id)"
                    + ".slice(0, 5).join(' ')];");
            assertThat(((List<?>) overflow).get(0).toString()).as("sideways overflow, by " + overflow).isEqualTo("0");
            shot("12-phone-390");
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    @Test
    void servesAFavicon() throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(server.url() + "/favicon.ico")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith(0, 0, 1, 0);
        assertThat(ImageIO.read(new ByteArrayInputStream(Arrays.copyOfRange(r.body(), 22, r.body().length))).getWidth())
                .isEqualTo(16);
    }

    @Test
    void theDocsPageListsEveryRouteOfTheGeneratedDocument() {
        driver.get(server.url() + "/docs");
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        wait.until(d -> d.findElements(By.cssSelector("#routes tr")).size() > 5);
        List<String> routes = driver.findElements(By.cssSelector("#routes tr")).stream()
                .map(r -> r.getDomAttribute("data-route")).toList();
        assertThat(routes).contains("GET /api/compare", "POST /api/compare", "DELETE /api/jobs/{id}");
        assertThat(routes).hasSize(server.answeredRoutes().size());
        assertThat(driver.findElement(By.id("routes")).getText()).contains("samples").contains("1000");
    }

    @Test
    void showsApiErrorsOnThePage() throws Exception {
        WebDriverWait wait = upload("bird.bmp");
        String photo = signature();
        Path bad = Files.createTempFile("not-an-image", ".png");
        Files.writeString(bad, "this is text, not a PNG");
        driver.findElement(By.id("file")).sendKeys(bad.toAbsolutePath().toString());
        wait.until(d -> d.findElement(By.id("error")).isDisplayed());
        assertThat(driver.findElement(By.id("error")).getText()).contains("not a supported image");
        assertThat(driver.findElement(By.id("status-text")).getText()).as("the previous photo stays, and so it says")
                .isEqualTo("That photo was refused; still showing the previous one.");
        assertThat(signature()).isEqualTo(photo);
        shot("7-error");
    }

    @Test
    void measuresHowFaithfulTheShownMapIs() throws Exception {
        driver.get(server.url() + "/");
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(90));
        wait.until(d -> new Select(d.findElement(By.id("method"))).getOptions().size() >= 2);
        assertThat(driver.findElement(By.id("faithfulness-run")).isEnabled()).as("nothing shown yet").isFalse();
        driver.findElement(By.id("file")).sendKeys(SharedData.image("bird.bmp").toAbsolutePath().toString());
        wait.until(d -> d.findElement(By.id("download")).isDisplayed());
        new Select(driver.findElement(By.id("method"))).selectByValue("gradcam");
        // the Grad-CAM map is on screen (while it is computed the status names it too, with "…")
        wait.until(d -> d.findElement(By.id("status-text")).getText().matches("Explanation of .* by Grad-CAM\\."));
        wait.until(d -> d.findElement(By.id("faithfulness-run")).isEnabled());
        driver.findElement(By.id("faithfulness-run")).click();
        wait.until(d -> d.findElements(By.cssSelector("#faithfulness-result polyline")).size() == 4);
        List<WebElement> rows = driver.findElements(By.cssSelector("#faithfulness-result tbody tr"));
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).getText()).startsWith("deletion AUC (lower is better)");
        assertThat(rows.get(1).getText()).startsWith("insertion AUC (higher is better)").endsWith("better than random");
        assertThat(driver.findElement(By.id("faithfulness-status")).getText()).contains("Grad-CAM", "chickadee");
        ((JavascriptExecutor) driver).executeScript("document.getElementById('faithfulness-box').scrollIntoView()");
        shot("9-faithfulness");
        noError();
        // another map makes the result stale: it is cleared until measured again
        new Select(driver.findElement(By.id("method"))).selectByValue("gradient");
        wait.until(d -> d.findElements(By.cssSelector("#faithfulness-result polyline")).isEmpty());
    }

    /** Opens the page, uploads a shared photo and waits for its first explanation. */
    private static WebDriverWait upload(String image) {
        driver.get(server.url() + "/");
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
        wait.until(d -> new Select(d.findElement(By.id("method"))).getOptions().size() >= 2);
        driver.findElement(By.id("file")).sendKeys(SharedData.image(image).toAbsolutePath().toString());
        wait.until(d -> d.findElement(By.id("download")).isDisplayed()
                && d.findElement(By.id("status-text")).getText().startsWith("Explanation of"));
        return wait;
    }

    /** A hash of a w-wide column band of the canvas starting at x. */
    private static String region(int x, int w) {
        return (String) ((JavascriptExecutor) driver).executeScript("const c = document.getElementById('canvas');"
                + "const d = c.getContext('2d').getImageData(arguments[0], 0, arguments[1], c.height).data; let h = 0;"
                + "for (let i = 0; i < d.length; i += 4) { h = (h * 31 + d[i] + d[i + 1] * 7 + d[i + 2] * 13) | 0; }"
                + "return String(h);", x, w);
    }

    /** The hash of the photo alone: the wipe layout with the slider at 100 %, then back to side by side. */
    private static String photoSignature() {
        ((JavascriptExecutor) driver).executeScript("const l = document.getElementById('layout');"
                + "const w = document.getElementById('wipe'); l.value = 'wipe'; l.dispatchEvent(new Event('change'));"
                + "w.value = 100; w.dispatchEvent(new Event('input'));");
        String photo = region(0, 512);
        ((JavascriptExecutor) driver).executeScript("const l = document.getElementById('layout');"
                + "const w = document.getElementById('wipe'); w.value = 50; w.dispatchEvent(new Event('input'));"
                + "l.value = 'side'; l.dispatchEvent(new Event('change'));");
        return photo;
    }

    private static String signature() {
        return (String) ((JavascriptExecutor) driver).executeScript(SIGNATURE);
    }

    /** Waits until the canvas shows something else, and returns its new signature. */
    private static String changed(WebDriverWait wait, String before) {
        wait.until(d -> !signature().equals(before) && !d.findElement(By.id("status-text")).getText()
                .endsWith("…"));
        return signature();
    }

    private static void noError() {
        assertThat(driver.findElement(By.id("error")).isDisplayed())
                .as(driver.findElement(By.id("error")).getText()).isFalse();
    }

    private static void shot(String name) throws IOException {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
