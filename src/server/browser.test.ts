/**
 * Browser tests in Debian's Chromium (playwright-core, no downloaded browser):
 *  - a participant on a phone-sized screen goes through a whole study on the real default
 *    embedded model — entry by Prolific link, consent, profile survey, two turns with streamed
 *    responses, ratings, choice, feedback, attention check, probe, completion and the redirect
 *    to (a local fake of) Prolific — with a reload and a network loss on the way; every page is
 *    screenshotted into test-artifacts/browser/;
 *  - every response the browser received is scanned for arm ids and model names;
 *  - a model response carrying <img onerror> / <script> / javascript: links executes nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { serve, type RunningServer } from "../cli/commands/serve.js";
import { openStore } from "../store/index.js";
import { buildApp } from "./app.js";
import { readAttention } from "./bot.js";
import { ServeConfig } from "./config.js";
import { MemoryVault } from "./identities.js";
import { Keyring } from "./keys.js";
import { startFakeProlific, type FakeProlific } from "./prolific/fake.js";
import { armsOver, scriptedModel, testStudy } from "./testing.js";
import { ensureWebBuilt } from "./web-build.js";

const ARTIFACTS = resolve("test-artifacts", "browser");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

let browser: Browser;
let fake: FakeProlific;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await ensureWebBuilt();
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS, headless: true });
  fake = await startFakeProlific("unused-token-for-the-browser-test");
});

afterAll(async () => {
  await browser?.close();
  await fake?.close();
});

/** Collects the body of every response the page gets (API answers and streams included). */
function recordResponses(page: Page): { bodies: Promise<string>[] } {
  const rec = { bodies: [] as Promise<string>[] };
  page.on("response", (r) => { rec.bodies.push(r.text().catch(() => "")); });
  return rec;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function judge(page: Page, choice: string): Promise<void> {
  // Sliders by keyboard: focus, then arrow keys / End.
  const a = page.getByTestId("rating-A");
  await a.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
  const b = page.getByTestId("rating-B");
  await b.focus();
  await page.keyboard.press("End");
  await page.getByRole("radio", { name: choice }).check();
}

describe("a participant in a real browser, on the real default model", () => {
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "prismx-e2e-"));
    writeFileSync(join(dir, "study.yaml"), [
      "id: e2e-study", "seed: 11",
      "models:", "  tiny-lm: { provider: embedded, model: default, contexts: 2, contextSize: 1024 }",
      "arms:", "  - { id: arm-generic-e2e, model: tiny-lm, strategy: none }", "  - { id: arm-prompt-e2e, model: tiny-lm, strategy: prompt }",
      "protocol: { mode: pairwise, conversations: 1, turns: { min: 2, max: 2 }, probes: 1, attentionChecks: 1 }",
      "judgements: { ratings: true, allowTie: true, reasons: true, freeText: true }",
      "generation: { maxTokens: 24, temperature: 0.7 }", "",
    ].join("\n"));
    writeFileSync(join(dir, "server.yaml"), [
      "prolific:", "  completionCodes: { completed: CE2E0K, failed-attention: CE2EFA, returned: CE2ERT }",
      `  completionUrl: "${fake.url}/submissions/complete?cc={code}"`, "",
    ].join("\n"));
    server = await serve({ studyFile: join(dir, "study.yaml"), port: 0, serverConfig: join(dir, "server.yaml"), db: join(dir, "db"), privateDir: join(dir, "private") }, { ...process.env, DATABASE_URL: "" });
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("consent, survey, conversation, ratings, attention check, probe, redirect — with no arm or model name reaching the browser", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const rec = recordResponses(page);
    await page.goto(`${server.url}/?PROLIFIC_PID=5e2e00000000000000000001&STUDY_ID=prolific-study&SESSION_ID=sess-1`);

    await page.getByRole("heading", { name: "Before you start" }).waitFor();
    expect(page.url()).toBe(`${server.url}/`); // the Prolific id is gone from the address bar
    await shot(page, "01-consent");
    await page.getByRole("button", { name: /I agree/ }).click();

    await page.getByRole("heading", { name: "About you" }).waitFor();
    await page.getByLabel("Describe yourself in a few sentences").fill("I am a teacher who loves mountains and old books.");
    await page.getByLabel("How should an AI assistant behave with you?").fill("Be friendly and brief.");
    for (const k of ["values", "creativity", "fluency", "factuality", "diversity", "safety", "personalisation", "helpfulness"]) {
      await page.getByTestId(`pref-${k}`).focus();
      await page.keyboard.press(k === "factuality" ? "End" : "ArrowLeft");
    }
    await page.getByLabel("Age").selectOption("35-44 years old");
    await shot(page, "02-profile");
    await page.getByRole("button", { name: "Continue" }).click();

    // Closing the tab and coming back resumes at the same step.
    await page.getByRole("heading", { name: "Conversation 1" }).waitFor();
    await page.getByLabel("Your first message").click();
    await page.keyboard.type("What is a good way", { delay: 5 });
    await page.reload();
    await page.getByRole("heading", { name: "Conversation 1" }).waitFor();
    expect(await page.getByLabel("Your first message").inputValue()).toBe("What is a good way");
    await page.getByLabel("Your first message").press("End");
    await page.keyboard.type(" to start hiking?", { delay: 5 });
    await shot(page, "03-write");
    await page.getByRole("button", { name: "Send" }).click();

    await page.getByRole("heading", { name: /the assistants are answering|compare the responses/ }).waitFor();
    await shot(page, "04-streaming");
    await page.getByRole("heading", { name: /compare the responses/ }).waitFor({ timeout: 90_000 });
    expect((await page.getByTestId("response-A").innerText()).length).toBeGreaterThan(0);
    expect((await page.getByTestId("response-B").innerText()).length).toBeGreaterThan(0);
    await judge(page, "Response A");
    await page.getByLabel("Why? (optional)").fill("More concrete.");
    await shot(page, "05-judge");
    await page.getByRole("button", { name: "Continue" }).click();

    // Second turn, with the network dropping while the message is sent.
    await page.getByLabel("Your reply").waitFor();
    await page.getByLabel("Your reply").fill("Thanks. What should I bring?");
    await context.setOffline(true);
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByText("Connection lost").waitFor();
    await shot(page, "06-offline");
    await context.setOffline(false);
    await page.getByRole("heading", { name: /compare the responses/ }).waitFor({ timeout: 90_000 });
    await judge(page, "They are about the same (tie)");
    await shot(page, "07-judge-turn-2");
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { name: /is over/ }).waitFor();
    await page.getByTestId("conversation-rating").focus();
    await page.keyboard.press("ArrowRight");
    await page.getByLabel(/What would have made/).fill("Shorter answers.");
    await shot(page, "08-feedback");
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { name: "A quick question" }).waitFor();
    const question = await page.locator("legend").first().innerText();
    const options = await page.locator(".choice-option span").allInnerTexts();
    await page.getByRole("radio", { name: readAttention(question, options), exact: true }).check();
    await shot(page, "09-attention");
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { name: /earlier exchange/ }).waitFor();
    await judge(page, "Response B");
    await shot(page, "10-probe");
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { name: "All done" }).waitFor();
    expect(await page.getByTestId("completion-code").innerText()).toBe("CE2E0K");
    await shot(page, "11-done");
    // The event log holds the completion before the redirect happens.
    const store = server.app.driver.store;
    const pid = (await store.participants.list("e2e-study"))[0]!.id;
    const events = await store.events.list("e2e-study", pid);
    expect(events.at(-1)!.body).toMatchObject({ type: "participant.finished", reason: "completed" });
    expect(events.filter((e) => e.body.type === "judgement.made")).toHaveLength(2);
    expect(events.filter((e) => e.body.type === "probe.answered")).toHaveLength(1);
    const msg = events.find((e) => e.body.type === "message.written")!.body;
    expect(msg).toMatchObject({ telemetry: { pastes: 0 } });

    await page.waitForURL(/\/submissions\/complete\?cc=CE2E0K/, { timeout: 15_000 });
    await shot(page, "12-prolific-redirect");
    expect(fake.completions).toContain("CE2E0K");

    // The admin page: token-protected, live progress, intake switch.
    const admin = await context.newPage();
    await admin.goto(`${server.adminUrl}`);
    await admin.getByLabel("Admin token").fill("not-the-token");
    await admin.getByRole("button", { name: "Open" }).click();
    await admin.getByRole("alert").waitFor();
    await admin.getByLabel("Admin token").fill(server.adminToken);
    await admin.getByRole("button", { name: "Open" }).click();
    await admin.getByRole("heading", { name: "Model health" }).waitFor();
    expect(await admin.getByRole("table").nth(0).innerText()).toContain("arm-generic-e2e");
    await admin.getByRole("button", { name: "Pause intake" }).click();
    await admin.getByTestId("intake").filter({ hasText: "paused" }).waitFor();
    await shot(admin, "13-admin");
    await admin.getByRole("button", { name: "Resume intake" }).click();
    await admin.getByTestId("intake").filter({ hasText: "open" }).waitFor();
    await admin.close();

    const bodies = await Promise.all(rec.bodies);
    const all = bodies.join("\n");
    expect(all).toContain("CE2E0K");
    for (const name of ["arm-generic-e2e", "arm-prompt-e2e", "tiny-lm", "SmolLM", "embedded:", ".gguf", "5e2e00000000000000000001"]) {
      expect(all, `the browser received '${name}'`).not.toContain(name);
    }
    await context.close();
  });
});

describe("model output is sanitised in the browser", () => {
  it("an <img onerror>, a <script> and a javascript: link in a response execute nothing", async () => {
    const study = testStudy();
    const store = await openStore();
    await store.studies.put({ id: study.id, config: study, configHash: "h" });
    const payload = [
      "Here you go: <img src=x onerror=\"window.__pwned='img'\">",
      "<script>window.__pwned='script'</script>",
      "[click me](javascript:window.__pwned='link')",
      "**bold** and `code`",
    ].join("\n\n");
    const app = await buildApp({
      store, study, serve: ServeConfig.parse({ invites: ["xss-invite"] }), arms: armsOver(study, scriptedModel("m", () => payload)),
      keyring: Keyring.random(), vault: new MemoryVault(), adminToken: "a".repeat(20), staticDir: await ensureWebBuilt(), scrubNames: [],
    });
    const url = await app.app.listen({ host: "127.0.0.1", port: 0 });
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (d) => { dialogs.push(d.message()); void d.dismiss(); });
    try {
      await page.goto(`${url}/?invite=xss-invite`);
      await page.getByRole("button", { name: /I agree/ }).click();
      await page.getByLabel("Describe yourself in a few sentences").fill("x");
      await page.getByLabel("How should an AI assistant behave with you?").fill("y");
      for (const k of ["values", "creativity", "fluency", "factuality", "diversity", "safety", "personalisation", "helpfulness"]) {
        await page.getByTestId(`pref-${k}`).focus();
        await page.keyboard.press("ArrowRight");
      }
      await page.getByRole("button", { name: "Continue" }).click();
      await page.getByLabel("Your first message").fill("hello");
      await page.getByRole("button", { name: "Send" }).click();
      await page.getByRole("heading", { name: /compare the responses/ }).waitFor();
      const a = page.getByTestId("response-A");
      await a.locator("strong").waitFor();
      // markdown-it refuses the javascript: URL, so there should be no link; if there were, clicking must do nothing.
      const links = page.getByRole("link", { name: "click me" });
      if ((await links.count()) > 0) await links.first().click({ timeout: 2000 }).catch(() => undefined);
      await page.waitForTimeout(300);
      await shot(page, "xss-response");
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
      expect(dialogs).toEqual([]);
      expect(await a.locator("img, script").count()).toBe(0);
      expect(await a.locator("a[href^='javascript']").count()).toBe(0);
      expect(await a.innerText()).toContain("<img src=x onerror=");
    } finally {
      await context.close();
      await app.app.close();
      await store.close();
    }
  });
});
