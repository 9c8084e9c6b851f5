// The real switchboard binary on a loopback port, and Debian's Chromium driven by Playwright.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BINARY = process.env.SWITCHBOARD_BIN ?? join(ROOT, "target/debug/switchboard");
const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
export const ADMIN_PASSWORD = "Console-Admin-Password-1";

async function freePort() {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
}

/** A server on the demo inventory plus `extraConfig`; restartable on the same port and data. */
export class Server {
  static async start(extraConfig = "") {
    const dir = mkdtempSync(join(tmpdir(), "switchboard-console-"));
    const config = join(dir, "config.toml");
    writeFileSync(config, `${readFileSync(join(ROOT, "switchboard.example.toml"), "utf8")}\n${extraConfig}`);
    const server = new Server(dir, config, await freePort());
    await server.launch();
    return server;
  }

  constructor(dir, config, port) {
    this.dir = dir;
    this.config = config;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.log = join(dir, "server.log");
  }

  async launch() {
    const out = openSync(this.log, "a");
    this.proc = spawn(
      BINARY,
      ["serve", "--listen", `127.0.0.1:${this.port}`, "--data-dir", this.dir, "--config", this.config],
      { env: { ...process.env, SWITCHBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD }, stdio: ["ignore", out, out] },
    );
    this.exited = new Promise((done) => this.proc.once("exit", done));
    for (let i = 0; i < 600; i += 1) {
      try {
        if ((await fetch(`${this.url}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`switchboard did not start:\n${readFileSync(this.log, "utf8")}`);
  }

  /** SIGKILL: no shutdown of any kind. */
  async kill9() {
    this.proc.kill("SIGKILL");
    await this.exited;
  }

  async stop() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill("SIGTERM");
      await this.exited;
    }
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container needs --no-sandbox; the rest keeps Chromium off the (closed) network.
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
      "--disable-background-networking", "--disable-component-update",
    ],
  });
}

/**
 * A new tab of its own (its own sessionStorage, so its own sign-in), recording every Content
 * Security Policy violation and uncaught error the page reports.
 */
export async function newPage(browser, { width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (err) => page.problems.push(`uncaught: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy|Refused to/i.test(msg.text())) {
      page.problems.push(msg.text());
    }
  });
  return page;
}

export async function signIn(page, base, user, password) {
  await page.goto(`${base}/`);
  await page.waitForURL(/\/console\/$/);
  await page.fill('input[name="user"]', user);
  await page.fill('input[name="password"]', password);
  await page.press('input[name="password"]', "Enter");
  await page.waitForSelector('[data-testid="who"]');
}
