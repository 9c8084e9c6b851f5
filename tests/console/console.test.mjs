// The web console in a real headless Chromium against the real binary: sign-in, the demo's
// resources, a start from the dependency graph watched live, a task's timeline, a failing step,
// a reader's and another project's view, and a kill -9 the page lives through. Screenshots of
// what a user sees are written to docs/console/ (the README shows them).

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, ROOT, Server, launchBrowser, newPage, signIn } from "./harness.mjs";

const SHOTS = join(ROOT, "docs/console");
const EXTRA = `
[[projects]]
id = "7c0ffee07c0ffee07c0ffee07c0ffee0"
name = "local-2"
domain = "switchboard"

[[users]]
name = "vera"
password = "Vera-Password-1"
roles = { "local-1" = "viewer" }

[[users]]
name = "otto"
password = "Otto-Password-1"
roles = { "local-2" = "admin" }

[[sim.faults]]
resource = "Kafka"
action = "start"
fail_next = 3  # the first attempt and both retries ([engine] step_retries = 2)
message = "disk /srv/kafka is full"
`;

let server;
let browser;
let admin; // the administrator's tab, kept across tests like a user's
let startTask; // the task of the start from the graph

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await Server.start(EXTRA);
  browser = await launchBrowser();
  admin = await newPage(browser);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const stateOf = (page, name) => page.getAttribute(`[data-node="${name}"]`, "data-state");

test("a browser asking for / is sent to the console; API clients still get Keystone", async () => {
  const api = await fetch(`${server.url}/`, { headers: { Accept: "application/json" } });
  assert.equal(api.status, 300);
  await signIn(admin, server.url, "admin", ADMIN_PASSWORD);
  assert.match(await admin.textContent('[data-testid="who"]'), /admin · local-1/);
});

test("the overview shows the demo's resources in their families' own words", async () => {
  for (const name of ["HDFS", "ZooKeeper", "bms-db-01", "dbom-prod", "flow-news"]) {
    await admin.waitForSelector(`tr[data-resource="${name}"]`);
  }
  assert.equal((await admin.textContent('tr[data-resource="HDFS"] .badge')).trim(), "Stopped");
  assert.equal((await admin.textContent('tr[data-resource="bms-db-01"] .badge')).trim(), "ACTIVE");
  assert.equal((await admin.textContent('tr[data-resource="flow-news"] .badge')).trim(), "STANDBY");
  assert.equal((await admin.textContent('tr[data-resource="dbom-prod"] .badge')).trim(), "SHUTOFF");
  // Search narrows the list; the counts follow it.
  await admin.fill('input[type="search"]', "zoo");
  await admin.waitForSelector('tr[data-resource="HDFS"]', { state: "detached" });
  assert.equal(await admin.locator("tbody tr").count(), 1);
  await admin.fill('input[type="search"]', "");
  await admin.waitForSelector('tr[data-resource="HDFS"]');
  await admin.screenshot({ path: join(SHOTS, "overview.png"), fullPage: true });
});

test("starting HDFS with dependencies from the graph turns ZooKeeper then HDFS Normal, live", async () => {
  await admin.click('a[href="#/clusters/1"] >> nth=0');
  await admin.waitForSelector('[data-node="HDFS"]');
  // Dependencies are drawn below their dependents.
  const hdfs = await admin.locator('[data-node="HDFS"]').boundingBox();
  const zk = await admin.locator('[data-node="ZooKeeper"]').boundingBox();
  assert.ok(zk.y > hdfs.y, "ZooKeeper (a dependency) is below HDFS");
  await admin.evaluate(() => { window.notReloaded = true; });

  // Keyboard: focus the node and press Enter.
  await admin.focus('[data-node="HDFS"]');
  await admin.keyboard.press("Enter");
  await admin.waitForSelector('[data-testid="node-panel"] h2:text("HDFS")');
  await admin.click('[data-testid="node-panel"] button[data-action="start"]');
  // The confirmation shows what the plan will touch, in order, before anything runs.
  await admin.waitForSelector(".plan-steps li");
  const planned = await admin.locator(".plan-steps li").evaluateAll((lis) => lis.map((li) => li.dataset.resource));
  assert.deepEqual(planned, ["ZooKeeper", "HDFS"]);
  assert.equal(await stateOf(admin, "ZooKeeper"), "stopped", "the preview started nothing");
  await admin.click("dialog button.primary");
  await admin.waitForURL(/#\/tasks\/\d+$/);
  startTask = Number(admin.url().split("/").pop());

  await admin.goBack();
  await admin.waitForSelector('[data-node="ZooKeeper"][data-state="running"]', { timeout: 30000 });
  assert.notEqual(await stateOf(admin, "HDFS"), "running", "HDFS waits for ZooKeeper");
  await admin.waitForSelector('[data-node="HDFS"][data-state="running"]', { timeout: 30000 });
  assert.equal((await admin.textContent('[data-node="HDFS"] .node-state')).trim(), "Normal");
  assert.equal(await admin.evaluate(() => window.notReloaded), true, "no reload happened");
  await admin.click('[data-node="Yarn"]');
  await admin.screenshot({ path: join(SHOTS, "graph.png"), fullPage: true });
});

test("the task shows both steps with their times", async () => {
  await admin.goto(`${server.url}/console/#/tasks/${startTask}`);
  await admin.waitForSelector('[data-task-state="COMPLETE"]');
  for (const name of ["ZooKeeper", "HDFS"]) {
    const row = admin.locator(`tr[data-step="${name}"]`);
    assert.equal(await row.getAttribute("data-state"), "DONE");
    assert.match(await row.locator(".started").textContent(), /\d\d:\d\d:\d\d/);
    assert.match(await row.locator(".finished").textContent(), /\d\d:\d\d:\d\d/);
  }
  assert.equal(await admin.locator(".timeline .bar").count(), 2);
  await admin.screenshot({ path: join(SHOTS, "task.png"), fullPage: true });
});

test("a failing step (a fault rule) shows its error", async () => {
  await admin.click('nav a[href="#/"]');
  await admin.click('tr[data-resource="Kafka"] button[data-action="start"]');
  await admin.waitForSelector(".plan-steps li");
  await admin.click("dialog button.primary");
  await admin.waitForSelector('[data-task-state="FAILED"]', { timeout: 30000 });
  assert.match(await admin.textContent('tr[data-step="Kafka"] .step-error'), /disk \/srv\/kafka is full/);
  assert.equal(await admin.getAttribute('tr[data-step="Kafka"]', "data-state"), "FAILED");
});

test("the audit trail filters by action", async () => {
  await admin.click('nav a[href="#/audit"]');
  await admin.fill('input[name="action"]', "mrs:service:*");
  await admin.click('form.filters button[type="submit"]');
  // The unfiltered page already shows MRS rows: wait for the filtered answer to replace it.
  await admin.waitForFunction(() => {
    const rows = [...document.querySelectorAll("tbody tr[data-action]")];
    return rows.length >= 2 && rows.every((r) => r.dataset.action.startsWith("mrs:service:"));
  });
  const actions = await admin.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.action));
  assert.ok(actions.length >= 2 && actions.every((a) => a.startsWith("mrs:service:")), actions.join());
});

test("a viewer sees everything and no action button", async () => {
  const page = await newPage(browser);
  await signIn(page, server.url, "vera", "Vera-Password-1");
  await page.waitForSelector('tr[data-resource="HDFS"]');
  await page.waitForSelector('[data-testid="read-only"]');
  assert.equal(await page.locator("button[data-action], button[data-batch]").count(), 0);
  await page.click('a[href="#/clusters/1"] >> nth=0');
  await page.click('[data-node="HDFS"]');
  await page.waitForSelector('[data-testid="node-panel"] h2');
  assert.equal(await page.locator("button[data-action]").count(), 0);
  await page.goto(`${server.url}/console/#/tasks/${startTask}`);
  await page.waitForSelector('[data-task-state="COMPLETE"]');
  assert.equal(await page.locator('button:text("Cancel task")').count(), 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("an administrator of another project sees none of this project's resources", async () => {
  const page = await newPage(browser);
  await signIn(page, server.url, "otto", "Otto-Password-1");
  await page.waitForSelector("text=No resource matches.");
  assert.match(await page.textContent('[data-testid="who"]'), /otto · local-2/);
  assert.equal(await page.locator("tr[data-resource]").count(), 0);
  await page.goto(`${server.url}/console/#/tasks/${startTask}`);
  await page.waitForSelector('[role="alert"]');
  assert.equal(await page.locator("[data-task-state]").count(), 0);
  await page.click('nav a[href="#/tasks"]');
  await page.waitForSelector("text=No tasks yet.");
  await page.context().close();
});

test("after kill -9 and a restart the page reconnects and shows the task's end", async () => {
  await admin.click('nav a[href="#/"]');
  await admin.click('tr[data-resource="Hive"] button[data-action="start"]');
  await admin.waitForSelector(".plan-steps li");
  await admin.click("dialog button.primary");
  await admin.waitForURL(/#\/tasks\/\d+$/);
  await admin.evaluate(() => { window.notReloaded = true; });
  await admin.waitForSelector('tr[data-state="RUNNING"]', { timeout: 30000 });
  await server.kill9();
  await admin.waitForSelector('[data-link="reconnecting"]');
  await server.launch();
  await admin.waitForSelector('[data-link="live"]', { timeout: 30000 });
  await admin.waitForSelector('[data-task-state="COMPLETE"]', { timeout: 60000 });
  assert.equal(await admin.evaluate(() => window.notReloaded), true, "no reload happened");
  assert.equal(await admin.getAttribute('tr[data-step="Hive"]', "data-state"), "DONE");
});

test("narrow windows, dark mode, and no CSP violation anywhere", async () => {
  await admin.setViewportSize({ width: 390, height: 800 });
  for (const hash of ["#/", "#/clusters/1", "#/tasks", "#/audit"]) {
    await admin.goto(`${server.url}/console/${hash}`);
    await admin.waitForSelector("main#main h1");
    const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${hash} overflows a narrow window by ${overflow}px`);
  }
  await admin.setViewportSize({ width: 1280, height: 800 });
  await admin.emulateMedia({ colorScheme: "dark" });
  await admin.goto(`${server.url}/console/#/`);
  await admin.waitForSelector('tr[data-resource="HDFS"]');
  const bg = await admin.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, "rgb(17, 21, 28)");
  await admin.screenshot({ path: join(SHOTS, "overview-dark.png") });
  assert.deepEqual(admin.problems, []);
});
