// The HTML preview, opened in headless Chromium: every panel rendered a chart (or shows a recorded
// no-data reason). Screenshots land beside the pages for a human to look at.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolveModel } from '@meshobs/model';
import { writePreview } from '@meshobs/qa/preview';
import { config } from '@meshobs/qa/test-mesh';
import { inCI, missingTools, stopAll, tempDir } from '@meshobs/testkit';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDashboards } from '../src/index.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = missingTools('promtool', 'prometheus') || (!existsSync(CHROMIUM) && !inCI);

describe.skipIf(skip)('dashboard preview in headless Chromium', () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    await stopAll();
  });

  it('renders a chart for every panel', async () => {
    const out = process.env.PREVIEW_OUT ?? tempDir('preview');
    const files = await writePreview(out, buildDashboards(resolveModel(config)));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    for (const file of files) {
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-done="true"]', { timeout: 30_000 });
      const panels = await page.$$eval('.panel', (els) =>
        els.map((el) => ({
          title: el.querySelector('.title')?.textContent ?? '',
          rendered: el.getAttribute('data-rendered') ?? 'missing',
          canvases: el.querySelectorAll('canvas').length,
        })),
      );
      expect(panels.length).toBeGreaterThan(8);
      const bad = panels.filter((p) => !(p.rendered === 'chart' && p.canvases > 0) && p.rendered !== 'no-data-expected');
      expect(bad, file).toEqual([]);
      await page.screenshot({ path: file.replace(/\.html$/, '.png'), fullPage: true });
    }
    expect(errors).toEqual([]);
    console.log(`preview and screenshots in ${out}`);
  });
});
