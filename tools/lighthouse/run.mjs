// Lighthouse (mobile profile, simulated throttling) on portal pages, in Debian's Chromium (CHROME_PATH).
// usage: node run.mjs <portal-url> <user> <password> <outdir> public:<route>... private:<route>...
// "public" pages are audited as a visitor (storage reset as usual); "private" ones after an SSO login in the
// same tab (storage kept for the session token, HTTP cache cleared before each run).
import fs from "node:fs";
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const [portal, user, password, outdir, ...routes] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const flags = { output: "json", logLevel: "error", onlyCategories: ["performance", "accessibility"] };
const results = [];
try {
  const page = await browser.newPage();
  let loggedIn = false;
  const runs = Math.max(1, Number(process.env.LIGHTHOUSE_RUNS || 3));
  for (const spec of routes.flatMap((r) => Array(runs).fill(r))) {
    const [kind, name, route] = spec.split("|");
    const url = `${portal}/${route}`;
    if (kind === "private" && !loggedIn) {
      await page.goto("about:blank");
      await page.goto(`${portal}/#/permintaan`, { waitUntil: "domcontentloaded" });
      await page.waitForSelector("#username");
      await page.type("#username", user);
      await page.type("#password", password);
      await Promise.all([page.waitForNavigation(), page.click("#submit")]);
      await page.waitForSelector("#page-title");
      loggedIn = true;
    }
    if (kind === "private") {
      const cdp = await page.createCDPSession();
      await cdp.send("Network.clearBrowserCache");
      await cdp.detach();
    }
    const run = await lighthouse(url, { ...flags, disableStorageReset: kind === "private" }, undefined, page);
    const lhr = run.lhr;
    fs.writeFileSync(`${outdir}/${name}-${results.filter((r) => r.page === name).length + 1}.json`, JSON.stringify(lhr));
    const metric = (id) => lhr.audits[id] && lhr.audits[id].numericValue;
    results.push({
      page: name, url, performance: lhr.categories.performance.score, accessibility: lhr.categories.accessibility.score,
      fcp_ms: Math.round(metric("first-contentful-paint")), lcp_ms: Math.round(metric("largest-contentful-paint")),
      tbt_ms: Math.round(metric("total-blocking-time")), cls: metric("cumulative-layout-shift"),
      transfer_bytes: metric("total-byte-weight"), final_url: lhr.finalDisplayedUrl,
      runtime_error: lhr.runtimeError ? lhr.runtimeError.code : null, benchmark_index: lhr.environment.benchmarkIndex,
    });
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(results));
