// What a newcomer meets, checked in Chromium on a desktop (1280×800) and a phone (390×844), in
// the light and the dark theme: axe-core's WCAG 2.2 AA rules on every screen, the focus ring's
// contrast, the phone layout, focus that stays where it should, honest feedback, a session that
// ends politely, the installable app and its share target. Screenshots of every screen go to
// test-output/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { convert, newPage, sessionToken, shots, signUpAndIn, start } from './harness.mjs';

const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let env;
/** Signed-in browser states: a user with files of every kind, and one with none. */
let filled;
let empty;

before(async () => {
  env = await start();
  const { context, page } = await newPage(env.browser);
  await signUpAndIn(page, env.base, 'newcomer@example.com', 'a newcomer password');
  await convert(page, `${env.siteBase}/titled/Second%20article`);
  await convert(page, env.siteUrl);
  await convert(page, `${env.siteBase}/gone`);
  for (const [name, status] of [
    ['Library E2E Page', 'done'],
    ['Second article', 'done'],
  ]) {
    await page.getByRole('listitem', { name }).getByText(status, { exact: true }).waitFor({ timeout: 60000 });
  }
  await page.locator('li.file-failed').waitFor({ timeout: 60000 });
  // A second version of one page, so the list shows versions folded together.
  await page
    .getByRole('listitem', { name: 'Second article' })
    .getByRole('button', { name: /^Capture again/ })
    .click();
  await page.getByRole('button', { name: '2 versions' }).waitFor({ timeout: 60000 });
  await page.getByRole('listitem', { name: 'Second article' }).getByText('done', { exact: true }).waitFor({ timeout: 60000 });
  filled = await context.storageState();
  await context.close();
  const other = await newPage(env.browser);
  await signUpAndIn(other.page, env.base, 'empty@example.com', 'an empty password');
  empty = await other.context.storageState();
  await other.context.close();
});

after(async () => {
  await env?.stop();
});

/** A row's button, by the start of its name ("Share", "Delete", …). */
function rowAction(page, file, action) {
  return page.getByRole('listitem', { name: file }).getByRole('button', { name: new RegExp(`^${action}`) });
}

/** The Share dialog of the converted page. */
async function openShare(page) {
  await rowAction(page, 'Library E2E Page', 'Share').click();
  const share = page.getByRole('dialog', { name: /^Share/ });
  await share.waitFor();
  return share;
}

/** Every screen, reached as a user would from a fresh load. */
const SCREENS = [
  ['sign-in', null, async (page) => page.getByRole('button', { name: 'Sign in' }).first().waitFor()],
  [
    'sign-up',
    null,
    async (page) => {
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByText('At least 8 characters.').waitFor();
    },
  ],
  ['empty-library', 'empty', async (page) => page.getByRole('heading', { name: 'Your library is empty' }).waitFor()],
  ['library', 'filled', async (page) => page.locator('li.file-failed').first().waitFor()],
  [
    'account-menu',
    'filled',
    async (page) => {
      await page.getByRole('button', { name: 'Account' }).click();
      await page.getByText(/conversions in progress/).waitFor();
    },
  ],
  [
    'convert',
    'filled',
    async (page) => {
      await page.getByRole('button', { name: 'Convert a page' }).click();
      await page.getByRole('dialog', { name: 'Convert a page' }).getByLabel('Page URL').fill('example.com/article');
    },
  ],
  [
    'convert-error',
    'filled',
    async (page) => {
      await page.getByRole('button', { name: 'Convert a page' }).click();
      const dialog = page.getByRole('dialog', { name: 'Convert a page' });
      await dialog.getByLabel('Page URL').fill('ftp://example.com/file');
      await dialog.getByRole('button', { name: 'Convert' }).click();
      await dialog.locator('[aria-invalid="true"]').waitFor();
    },
  ],
  [
    'add-many',
    'filled',
    async (page) => {
      await page.getByRole('button', { name: 'Add many' }).click();
      await page.getByRole('dialog', { name: 'Add many pages' }).waitFor();
    },
  ],
  [
    'share',
    'filled',
    async (page) => {
      await openShare(page);
    },
  ],
  [
    'delete',
    'filled',
    async (page) => {
      await rowAction(page, 'Library E2E Page', 'Delete').click();
      await page.getByRole('dialog', { name: 'Delete this PDF?' }).waitFor();
    },
  ],
  [
    'versions',
    'filled',
    async (page) => {
      await page.getByRole('button', { name: '2 versions' }).click();
      await page.getByText('version 2').waitFor();
    },
  ],
  [
    'search',
    'filled',
    async (page) => {
      await page.getByLabel('Search files').fill('rendered brow');
      await page.getByRole('heading', { name: /^Found in/ }).waitFor({ timeout: 10000 });
      await page.locator('.file-snippet mark').first().waitFor();
    },
  ],
  [
    'tags',
    'filled',
    async (page) => {
      await rowAction(page, 'Library E2E Page', 'Tags of').click();
      const tags = page.getByRole('dialog', { name: /^Tags for/ });
      await tags.getByLabel('New tag').fill('Not a tag!');
      await tags.getByRole('button', { name: 'Add tag' }).click();
      await page.getByText('Use 1 to 32 lowercase letters').waitFor();
    },
  ],
  [
    'share-created',
    'filled',
    async (page) => {
      const share = await openShare(page);
      await share.getByRole('button', { name: 'Create link' }).click();
      await share.getByLabel('New link').waitFor();
    },
  ],
  [
    'add-many-rejected',
    'filled',
    async (page) => {
      await page.getByRole('button', { name: 'Add many' }).click();
      const many = page.getByRole('dialog', { name: 'Add many pages' });
      await many.getByLabel('Web addresses, one per line').fill('https://10.0.0.1/private\nhttps://192.168.0.1/also-private');
      await many.getByRole('button', { name: /^Add 2 pages/ }).click();
      await many.locator('.rejected li').first().waitFor();
    },
  ],
  [
    'offline',
    'filled',
    async (page) => {
      await page.locator('li.file').first().waitFor();
      await page.context().setOffline(true);
      await page.getByText('Folio cannot be reached right now').waitFor();
    },
  ],
  [
    'key-created',
    'filled',
    async (page) => {
      await page.getByRole('button', { name: 'Settings' }).click();
      await page.getByLabel('Key name').fill('axe');
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByLabel('New API key').waitFor();
    },
  ],
  [
    'settings',
    'filled',
    async (page) => {
      await page.getByRole('button', { name: 'Settings' }).click();
      await page.getByRole('button', { name: 'Change password' }).waitFor();
    },
  ],
];

for (const [viewport, size] of Object.entries(VIEWPORTS)) {
  for (const scheme of ['light', 'dark']) {
    test(`every screen on a ${viewport} in the ${scheme} theme: no WCAG 2.2 AA violation`, async () => {
      const failures = [];
      for (const [screen, who, reach] of SCREENS) {
        const state = who === 'filled' ? filled : who === 'empty' ? empty : undefined;
        const { context, page, problems } = await newPage(env.browser, {
          viewport: size,
          colorScheme: scheme,
          storageState: state,
          reducedMotion: 'reduce',
        });
        await page.goto(env.base);
        await reach(page);
        const results = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
        assert.ok(results.passes.length > 10, `${screen}: axe ran (${results.passes.length} rules passed)`);
        // Text axe could not judge (over a popover or inside a scrolling dialog) is measured
        // here instead: its colour against the first background behind it.
        const unsure = results.incomplete.find((r) => r.id === 'color-contrast')?.nodes ?? [];
        for (const node of unsure) {
          const selector = node.target.join(' ');
          const { ratio, needed } = await textContrast(page, selector);
          if (ratio < needed) failures.push(`${screen}: ${selector} has ${ratio.toFixed(2)}:1 contrast, needs ${needed}:1`);
        }
        for (const violation of results.violations) {
          const where = violation.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`).join('\n    ');
          failures.push(`${screen}: ${violation.id} (${violation.impact}) ${violation.help}\n    ${where}`);
        }
        await page.screenshot({ path: join(shots, `${viewport}-${scheme}-${screen}.png`), fullPage: true });
        assert.deepEqual(problems, [], `${screen}: no CSP violations or page errors`);
        await context.close();
      }
      assert.deepEqual(failures, [], failures.join('\n'));
    });
  }
}

test('the accessibility check itself catches a violation', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await page.getByRole('button', { name: 'Sign in' }).first().waitFor();
  await page.evaluate(() => {
    const faint = document.createElement('p');
    faint.textContent = 'Barely there';
    faint.style.color = '#c8c8c8';
    document.querySelector('main')?.append(faint);
  });
  const results = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
  assert.ok(
    results.violations.some((v) => v.id === 'color-contrast'),
    'axe reports the faint paragraph',
  );
  await context.close();
});

/** WCAG's contrast ratio of two CSS colours, computed in the page. */
async function contrastOf(page, first, second) {
  return page.evaluate(
    ([a, b]) => {
      const rgb = (css) => {
        const canvas = document.createElement('canvas').getContext('2d');
        canvas.fillStyle = css;
        canvas.fillRect(0, 0, 1, 1);
        return Array.from(canvas.getImageData(0, 0, 1, 1).data.slice(0, 3));
      };
      const luminance = (css) => {
        const [r, g, bl] = rgb(css).map((v) => {
          const c = v / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
      };
      const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (l1 + 0.05) / (l2 + 0.05);
    },
    [first, second],
  );
}

/** The colour behind an element: its first ancestor's with a background. */
function backdropOf(page, selector) {
  return page.evaluate((sel) => {
    for (let node = document.querySelector(sel)?.parentElement; node; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      if (colour && colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
    }
    return getComputedStyle(document.documentElement).backgroundColor || 'rgb(255, 255, 255)';
  }, selector);
}

/** The contrast of an element's text against what is behind it, and what WCAG AA asks. */
async function textContrast(page, selector) {
  const [colour, size, weight] = await page.evaluate((sel) => {
    const style = getComputedStyle(document.querySelector(sel));
    return [style.color, parseFloat(style.fontSize), Number(style.fontWeight)];
  }, selector);
  const large = size >= 24 || (size >= 18.66 && weight >= 700);
  return { ratio: await contrastOf(page, colour, await ownBackdrop(page, selector)), needed: large ? 3 : 4.5 };
}

/** The colour behind an element's text: its own background, or its nearest ancestor's. */
function ownBackdrop(page, selector) {
  return page.evaluate((sel) => {
    for (let node = document.querySelector(sel); node; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      if (colour && colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
    }
    return getComputedStyle(document.body).backgroundColor;
  }, selector);
}

test('the focus ring and control borders stand out at 3:1 or more in both themes', async () => {
  for (const scheme of ['light', 'dark']) {
    const { context, page } = await newPage(env.browser, { colorScheme: scheme, storageState: filled });
    await page.goto(env.base);
    await page.locator('li.file-failed').first().waitFor();
    // Reached by keyboard, so `:focus-visible` (the ring) applies.
    await page.getByRole('button', { name: 'Convert a page' }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement);
      return { text: document.activeElement.textContent, outline: style.outlineColor, width: parseFloat(style.outlineWidth) };
    });
    assert.match(focused.text, /Convert/);
    assert.ok(focused.width >= 2, `a ring at least 2px wide (${focused.width})`);
    const behind = await backdropOf(page, '.toolbar button.primary');
    const ring = await contrastOf(page, focused.outline, behind);
    assert.ok(ring >= 3, `${scheme}: focus ring ${focused.outline} on ${behind} is ${ring.toFixed(2)}:1`);
    const field = await page.evaluate(() => getComputedStyle(document.querySelector('.search input')).borderTopColor);
    const border = await contrastOf(page, field, await backdropOf(page, '.search input'));
    assert.ok(border >= 3, `${scheme}: search field border is ${border.toFixed(2)}:1`);
    await context.close();
  }
});

test('with a mouse a row shows its actions when pointed at or focused', async () => {
  const { context, page } = await newPage(env.browser, { storageState: filled });
  await page.goto(env.base);
  const row = page.getByRole('listitem', { name: 'Library E2E Page' });
  const actions = row.locator('.file-actions');
  await page.mouse.move(0, 0);
  assert.equal(await actions.evaluate((el) => getComputedStyle(el).opacity), '0');
  await row.hover();
  assert.equal(await actions.evaluate((el) => getComputedStyle(el).opacity), '1');
  await page.mouse.move(0, 0);
  await row.getByRole('button', { name: 'Library E2E Page', exact: true }).focus();
  assert.equal(await actions.evaluate((el) => getComputedStyle(el).opacity), '1');
  await context.close();
});

test('on a phone the toolbar is one row and the first file is above the fold', async () => {
  const { context, page } = await newPage(env.browser, { viewport: VIEWPORTS.phone, storageState: filled });
  await page.goto(env.base);
  const first = page.locator('li.file').first();
  await first.waitFor();
  const box = await first.boundingBox();
  assert.ok(box && box.y + box.height <= VIEWPORTS.phone.height, `first file ends at ${box?.y + box?.height}px`);
  const tops = await page.locator('.toolbar > *').evaluateAll((items) => items.map((item) => item.getBoundingClientRect().top));
  assert.ok(Math.max(...tops) - Math.min(...tops) < 8, `toolbar items on one row: ${tops}`);
  // The account menu opens inside the screen.
  await page.getByRole('button', { name: 'Account' }).click();
  const panel = await page.locator('.account-panel').boundingBox();
  assert.ok(panel && panel.x >= 0 && panel.x + panel.width <= VIEWPORTS.phone.width, `account menu at ${JSON.stringify(panel)}`);
  await page.keyboard.press('Escape');
  // Every action of a row on its line, none wrapped below the title.
  const rows = await page
    .locator('li.file .file-actions')
    .evaluateAll((all) =>
      all.map((actions) => new Set([...actions.children].map((b) => Math.round(b.getBoundingClientRect().top))).size),
    );
  assert.ok(
    rows.every((lines) => lines === 1),
    `actions on one line: ${rows}`,
  );
  await context.close();
});

test('focus stays in Convert through a server error, Escape closes it, a bare address works and is announced', async () => {
  const { context, page, problems } = await newPage(env.browser, { storageState: filled });
  await page.goto(env.base);
  await page.locator('li.file-failed').first().waitFor();

  // The server fails: the message shows, focus stays inside the dialog, Escape still closes it.
  await page.route('**/api/v1/request', (route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'unavailable', message: 'the queue is unavailable' } }),
    }),
  );
  await page.keyboard.press('c');
  const dialog = page.getByRole('dialog', { name: 'Convert a page' });
  await dialog.getByLabel('Page URL').fill(env.siteUrl);
  // Sent from the keyboard, and the routed answer awaited: a click lands by coordinates, and the
  // dialog (taller than the window here) may scroll under it on a loaded machine.
  const answered = page.waitForResponse('**/api/v1/request');
  await dialog.getByLabel('Page URL').press('Enter');
  assert.equal((await answered).status(), 503);
  await dialog.getByText('Folio is briefly unavailable').waitFor();
  const inside = () => page.evaluate(() => !!document.activeElement?.closest('[role="dialog"]'));
  assert.ok(await inside(), 'focus is inside the dialog after the error');
  for (let i = 0; i < 15; i += 1) {
    await page.keyboard.press('Tab');
    assert.ok(await inside(), `Tab ${i + 1} stays inside the dialog`);
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.unroute('**/api/v1/request');

  // A refused address: the field at fault takes focus.
  await page.keyboard.press('c');
  await dialog.getByLabel('Page URL').fill('ftp://example.com/file');
  await dialog.getByRole('button', { name: 'Convert' }).click();
  await dialog.locator('[aria-invalid="true"]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'convert-url');

  // Typed without a scheme, as into an address bar; announced when ready, and shown as a toast.
  const bare = env.siteBase.replace('http://', '') + '/titled/Bare%20address';
  await dialog.getByLabel('Page URL').fill(bare);
  await dialog.getByRole('button', { name: 'Convert' }).click();
  await dialog.waitFor({ state: 'detached' });
  const row = page.getByRole('listitem', { name: 'Bare address' });
  await row.getByText('done', { exact: true }).waitFor({ timeout: 60000 });
  await page.locator('[aria-live]').getByText('Ready: “Bare address”.').waitFor();
  await page.getByRole('region', { name: 'Finished conversions' }).getByText('“Bare address”').waitFor();
  await page.screenshot({ path: join(shots, 'desktop-light-toast.png') });

  // Arrow keys move through the list; after a delete, focus is on the next row.
  await row.getByRole('button', { name: 'Bare address', exact: true }).focus();
  await page.keyboard.press('ArrowDown');
  const next = await page.evaluate(() => document.activeElement?.closest('li')?.getAttribute('aria-label'));
  assert.ok(next && next !== 'Bare address', `focus moved down to ${next}`);
  await row.getByRole('button', { name: /^Delete/ }).click();
  await page.getByRole('dialog', { name: 'Delete this PDF?' }).getByRole('button', { name: 'Delete' }).click();
  await row.waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.activeElement?.closest('li.file') !== null);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an ended session says why, keeps the typed address and comes back to it; signing out signs out every tab', async () => {
  const { context, page } = await newPage(env.browser);
  await signUpAndIn(page, env.base, 'draft@example.com', 'a drafting password');
  await page.getByRole('button', { name: 'Convert a page' }).click();
  const dialog = page.getByRole('dialog', { name: 'Convert a page' });
  await dialog.getByLabel('Page URL').fill(env.siteUrl);
  // The session ends behind the user's back (signed out elsewhere, or expired).
  const token = await sessionToken(page);
  const out = await fetch(`${env.base}/api/v1/auth/sign-out`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  assert.equal(out.status, 204);
  await dialog.getByRole('button', { name: 'Convert' }).click();
  await page.getByText('Your session has ended').waitFor();
  await page.getByLabel('Email').fill('draft@example.com');
  await page.getByLabel('Password', { exact: true }).fill('a drafting password');
  await page.getByRole('button', { name: 'Sign in' }).last().click();
  const back = page.getByRole('dialog', { name: 'Convert a page' });
  assert.equal(await back.getByLabel('Page URL').inputValue(), env.siteUrl, 'the draft is back');
  await back.getByRole('button', { name: 'Cancel' }).click();

  const second = await context.newPage();
  await second.goto(env.base);
  await second.getByRole('button', { name: 'Convert a page' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await second.getByText('You signed out in another tab.').waitFor();
  await second.getByLabel('Email').waitFor();
  await context.close();
});

test('installable, with a share target that opens Convert with the shared page', async () => {
  const manifest = await (await fetch(`${env.base}/manifest.webmanifest`)).json();
  assert.equal(manifest.share_target.method, 'GET');
  assert.deepEqual(Object.keys(manifest.share_target.params).sort(), ['text', 'title', 'url']);
  const { context, page } = await newPage(env.browser, { storageState: filled });
  await page.goto(env.base);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  // A test profile is incognito-like, which alone stops installing; nothing about the app may.
  const errors = installabilityErrors.filter((e) => e.errorId !== 'in-incognito');
  assert.deepEqual(errors, [], 'Chromium finds nothing in the app stopping installation');
  // Android shares a page as text with the address in it.
  await page.goto(`${env.base}/?title=Look&text=${encodeURIComponent(`Worth reading ${env.siteUrl}`)}`);
  const dialog = page.getByRole('dialog', { name: 'Convert a page' });
  assert.equal(await dialog.getByLabel('Page URL').inputValue(), env.siteUrl);
  assert.equal(new URL(page.url()).search, '', 'the shared address leaves the address bar');
  await context.close();
});

test('a page captured again shows as versions of one entry; a tag filters the list; search finds words inside', async () => {
  const { context, page, problems } = await newPage(env.browser);
  await signUpAndIn(page, env.base, 'versions@example.com', 'a versions password');
  await convert(page, `${env.siteBase}/titled/Versioned%20page?inside=quokkaberry`);
  await convert(page, `${env.siteBase}/titled/Other%20page`);
  const rows = page.getByRole('listitem', { name: 'Versioned page' });
  await rows.first().getByText('done', { exact: true }).waitFor({ timeout: 60000 });
  await page.getByRole('listitem', { name: 'Other page' }).getByText('done', { exact: true }).waitFor({ timeout: 60000 });

  await rows
    .first()
    .getByRole('button', { name: /^Capture again/ })
    .click();
  const toggle = page.getByRole('button', { name: '2 versions' });
  await toggle.waitFor({ timeout: 60000 });
  await rows.first().getByText('version 2').waitFor();
  await rows.first().getByText('done', { exact: true }).waitFor({ timeout: 60000 });
  // The same page again: its text did not change.
  await rows.first().getByText('version 2 · unchanged').waitFor();
  assert.equal(await rows.count(), 1, 'the older version is folded behind the newest');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.equal(await rows.count(), 2);

  // Tag the newest version, then show only what carries the tag.
  await rows
    .first()
    .getByRole('button', { name: /^Tags of/ })
    .click();
  const dialog = page.getByRole('dialog', { name: 'Tags for “Versioned page”' });
  await dialog.getByLabel('New tag').fill('Work');
  await dialog.getByRole('button', { name: 'Add tag' }).click();
  await dialog.getByRole('button', { name: 'Remove tag work' }).waitFor();
  await page.screenshot({ path: join(shots, 'desktop-light-tags.png') });
  await dialog.getByRole('button', { name: 'Done' }).click();
  await rows.first().getByRole('button', { name: 'Show files tagged work' }).click();
  await page.getByRole('listitem', { name: 'Other page' }).waitFor({ state: 'detached' });
  assert.equal(await rows.count(), 1);
  await page.screenshot({ path: join(shots, 'desktop-light-versions-and-tags.png') });
  await page.getByRole('button', { name: 'Stop showing only files tagged work' }).click();
  await page.getByRole('listitem', { name: 'Other page' }).waitFor();

  // A word only inside the page (not in its title or address) finds both versions, each with
  // the word marked in its snippet; the other page is not among them.
  await page.getByLabel('Search files').fill('Quokkaber');
  await page.getByRole('heading', { name: 'Found in 2 files' }).waitFor();
  await page.getByRole('listitem', { name: 'Other page' }).waitFor({ state: 'detached' });
  const marks = await page.locator('.file-snippet mark').allTextContents();
  assert.deepEqual(marks, ['quokkaberry', 'quokkaberry']);
  assert.match(await page.locator('.file-snippet').first().innerText(), /The quokkaberry naps under the printer/);
  await page.screenshot({ path: join(shots, 'desktop-light-search.png') });
  await page.getByLabel('Search files').fill('');
  await page.getByRole('listitem', { name: 'Other page' }).waitFor();

  // Scheduled from Convert; listed in Settings, and deleted there.
  await page.getByRole('button', { name: 'Convert a page' }).click();
  const convertDialog = page.getByRole('dialog', { name: 'Convert a page' });
  await convertDialog.getByLabel('Page URL').fill(`${env.siteBase}/titled/Weekly%20page`);
  await convertDialog.getByLabel('Capture again').selectOption({ label: 'Every week' });
  await convertDialog.getByRole('button', { name: 'Convert' }).click();
  await convertDialog.waitFor({ state: 'detached' });
  await page.getByText(/scheduled every week/).waitFor();
  await page.getByRole('button', { name: 'Settings' }).click();
  const schedules = page.getByRole('list', { name: 'Your schedules' });
  await schedules.getByText('every week').waitFor();
  await page.screenshot({ path: join(shots, 'desktop-light-schedules.png') });
  await schedules.getByRole('button', { name: /^Delete the schedule of/ }).click();
  await page.getByText('You have no schedules.').waitFor();
  await page.getByRole('button', { name: 'Library' }).click();

  // What the server keeps: two versions of the page, the tag on the newest.
  const token = await sessionToken(page);
  const files = (
    await (await fetch(`${env.base}/api/v1/files?tag=work`, { headers: { authorization: `Bearer ${token}` } })).json()
  ).files;
  assert.deepEqual(
    files.map((f) => [f.name, f.version, f.tags]),
    [['Versioned page', 2, ['work']]],
  );
  assert.deepEqual(problems, []);
  await context.close();
});
