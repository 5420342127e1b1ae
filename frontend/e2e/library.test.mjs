// The SPA end to end, in a real browser against the real backend (embedded mode): sign up, sign
// in, convert a page this test serves, watch it become done without reloading, download the
// PDF, delete it, sign out; and a second user who never sees the first user's files.
// Screenshots of the main screens go to test-output/screenshots/.
//
// Needs: `npm run build` (dist/), the `folio` binary (FOLIO_BIN, or built here with cargo), and
// Chromium at /usr/bin/chromium (FOLIO_CHROME_PATH).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGE_TEXT, PAGE_TITLE, newPage as freshPage, shots, signUpAndIn as signUp, start } from './harness.mjs';

let env;
let browser;
let base;

before(async () => {
  env = await start();
  ({ browser, base } = env);
  globalThis.siteUrl = env.siteUrl;
  globalThis.siteBase = env.siteBase;
});

after(async () => {
  await env?.stop();
});

const newPage = () => freshPage(browser);
const signUpAndIn = (page, email, password) => signUp(page, base, email, password);

test('a user converts a page, downloads it, deletes it; another user never sees it', async () => {
  const { context, page, problems } = await newPage();
  await page.goto(base);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.screenshot({ path: join(shots, '01-sign-in.png') });

  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByLabel('Email').fill('not an email');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.locator('.field-error').first().waitFor();
  await page.screenshot({ path: join(shots, '02-sign-up-validation.png') });

  await page.getByLabel('Email').fill('reader@example.com');
  await page.getByRole('button', { name: 'Sign up' }).click();
  // Sign-up lands in the library, signed in.
  await page.getByRole('heading', { name: 'Your library is empty' }).waitFor();
  await page.screenshot({ path: join(shots, '03-empty-library.png') });

  await page.getByRole('button', { name: 'Convert a page' }).click();
  const dialog = page.getByRole('dialog', { name: 'Convert a page' });
  await dialog.getByLabel('Page URL').fill(globalThis.siteUrl);
  await dialog.getByLabel('Landscape').check();
  await page.screenshot({ path: join(shots, '04-convert-dialog.png') });
  await dialog.getByRole('button', { name: 'Convert' }).click();
  await dialog.waitFor({ state: 'detached' });

  // Live: the row becomes done and takes the page's title, with no reload.
  let reloads = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) reloads += 1;
  });
  const row = page.getByRole('listitem', { name: PAGE_TITLE });
  await row.getByText('done', { exact: true }).waitFor({ timeout: 60000 });
  assert.equal(reloads, 0, 'the status arrived without a reload');
  // The row shows the page's first screen, fetched with the session and shown from a blob
  // (which the page's CSP allows for images).
  const thumbnail = row.locator('.file-thumb img');
  await thumbnail.waitFor({ timeout: 10000 });
  assert.match((await thumbnail.getAttribute('src')) ?? '', /^blob:/);
  assert.ok(await thumbnail.evaluate((img) => img.complete && img.naturalWidth > 0 && img.naturalWidth <= 400));
  await page.screenshot({ path: join(shots, '05-library-done.png') });
  await page.getByText(`Ready: “${PAGE_TITLE}”.`).waitFor();

  // Clicking a done file opens its PDF in the browser, in a tab of its own, from this origin.
  const [viewer] = await Promise.all([
    page.waitForEvent('popup'),
    row.getByRole('button', { name: PAGE_TITLE, exact: true }).click(),
  ]);
  const shown = await viewer.waitForResponse((r) => r.url().startsWith(`${base}/api/v1/view/`));
  assert.equal(shown.status(), 200);
  // Chromium hands a PDF response to its viewer without showing its headers to the page's
  // observers: ask the same address (a view link lives 10 minutes) from outside.
  const again = await fetch(shown.url());
  assert.equal(again.headers.get('content-type'), 'application/pdf');
  assert.match(again.headers.get('content-disposition') ?? '', /^inline/);
  await viewer.waitForLoadState();
  // The browser shows it as a PDF document (its viewer), not as a download or a page of text.
  assert.equal(await viewer.evaluate('document.contentType'), 'application/pdf');
  await viewer.close();

  const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download' }).click()]);
  assert.equal(download.suggestedFilename(), `${PAGE_TITLE}.pdf`);
  const saved = join(mkdtempSync(join(tmpdir(), 'folio-dl-')), 'file.pdf');
  await download.saveAs(saved);
  const pdf = readFileSync(saved);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const text = execFileSync('pdftotext', [saved, '-'], { encoding: 'utf8' });
  assert.match(text, new RegExp(PAGE_TEXT));

  // A second user, in another browser profile, sees an empty library.
  const other = await newPage();
  await signUpAndIn(other.page, 'other@example.com', 'another good password');
  await other.page.getByRole('heading', { name: 'Your library is empty' }).waitFor();
  assert.equal(await other.page.getByRole('listitem', { name: PAGE_TITLE }).count(), 0);
  await other.page.screenshot({ path: join(shots, '06-second-user.png') });
  assert.deepEqual(other.problems, []);
  await other.context.close();

  await row.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete this PDF?' });
  await page.screenshot({ path: join(shots, '07-delete-confirm.png') });
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await row.waitFor({ state: 'detached' });
  await page.getByRole('heading', { name: 'Your library is empty' }).waitFor();

  // The session survives a reload; sign-out ends it.
  await page.reload();
  await page.getByRole('button', { name: 'Convert a page' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.reload();
  await page.getByLabel('Email').waitFor();
  await page.screenshot({ path: join(shots, '08-signed-out.png') });

  assert.deepEqual(problems, [], 'no CSP violations or page errors');
  await context.close();
});

test('a key for scripts, a share link opened signed out, many pages at once, the bookmarklet', async () => {
  const { context, page, problems } = await newPage();
  await signUpAndIn(page, 'sharer@example.com', 'a long shared password');

  // Keyboard: `/` searches, `c` converts.
  await page.keyboard.press('/');
  assert.equal(await page.evaluate('document.activeElement?.type'), 'search');
  await page.evaluate('document.activeElement.blur()');
  await page.keyboard.press('c');
  await page.getByRole('dialog', { name: 'Convert a page' }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog', { name: 'Convert a page' }).waitFor({ state: 'detached' });

  // The bookmarklet's landing: the convert dialog, with the page it was used on.
  await page.goto(`${base}/?convert=${encodeURIComponent(globalThis.siteUrl)}`);
  const dialog = page.getByRole('dialog', { name: 'Convert a page' });
  assert.equal(await dialog.getByLabel('Page URL').inputValue(), globalThis.siteUrl);
  await dialog.getByRole('button', { name: 'Convert' }).click();
  const row = page.getByRole('listitem', { name: PAGE_TITLE });
  await row.getByText('done', { exact: true }).waitFor({ timeout: 60000 });

  // An API key: shown once, it works for a script, and stops working once revoked.
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Key name').fill('nightly backup');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = await page.getByLabel('New API key').inputValue();
  assert.match(key, /^folio_/);
  await page.getByRole('listitem', { name: 'nightly backup' }).waitFor();
  const bookmarklet = await page.getByRole('link', { name: 'Save to Folio' }).getAttribute('href');
  assert.ok(bookmarklet?.startsWith('javascript:') && bookmarklet.includes(`${base}/?convert=`), bookmarklet);
  await page.screenshot({ path: join(shots, '09-settings.png') });
  const asScript = () => fetch(`${base}/api/v1/files`, { headers: { authorization: `Bearer ${key}` } });
  const listed = await asScript();
  assert.equal(listed.status, 200);
  assert.equal((await listed.json()).files[0].name, PAGE_TITLE);
  await page.getByRole('listitem', { name: 'nightly backup' }).getByRole('button', { name: 'Revoke' }).click();
  await page.getByText('You have no API keys.').waitFor();
  assert.equal((await asScript()).status, 401);

  // A share link, opened by someone with no account and no session.
  await page.getByRole('button', { name: 'Library' }).click();
  await row.getByRole('button', { name: 'Share' }).click();
  const share = page.getByRole('dialog', { name: `Share “${PAGE_TITLE}”` });
  await share.getByLabel('Link works for').selectOption({ label: '1 day' });
  await share.getByRole('button', { name: 'Create link' }).click();
  const link = await share.getByLabel('New link').inputValue();
  assert.ok(link.startsWith(`${base}/s/`), link);
  await share.getByRole('list', { name: 'Links to this file' }).getByRole('listitem').first().waitFor();
  await page.screenshot({ path: join(shots, '10-share-dialog.png') });
  const stranger = await browser.newContext();
  const opened = await stranger.request.get(link);
  assert.equal(opened.status(), 200);
  assert.equal(opened.headers()['content-type'], 'application/pdf');
  assert.equal((await opened.body()).subarray(0, 5).toString(), '%PDF-');
  await stranger.close();
  await share.getByRole('button', { name: 'Done' }).click();

  // Three pages pasted at once.
  await page.getByRole('button', { name: 'Add many' }).click();
  const many = page.getByRole('dialog', { name: 'Add many pages' });
  const urls = [1, 2, 3].map((n) => `${globalThis.siteBase}/many/${n}`);
  await many.getByLabel('Web addresses, one per line').fill(urls.join('\n'));
  await page.screenshot({ path: join(shots, '11-add-many.png') });
  await many.getByRole('button', { name: 'Add 3 pages' }).click();
  await many.waitFor({ state: 'detached' });
  for (const n of [1, 2, 3]) {
    await page
      .getByRole('listitem', { name: `Many ${n}` })
      .getByText('done', { exact: true })
      .waitFor({ timeout: 60000 });
  }
  await page.screenshot({ path: join(shots, '12-library-after-add-many.png') });

  // The account: a new password (the old one then fails), then gone for good.
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Current password').fill('a long shared password');
  await page.getByLabel('New password').fill('an even longer new password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText(/Password changed/).waitFor();
  const signIn = (password) =>
    fetch(`${base}/api/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'sharer@example.com', password }),
    });
  assert.equal((await signIn('a long shared password')).status, 401);
  assert.equal((await signIn('an even longer new password')).status, 200);
  await page.getByLabel('Type sharer@example.com to confirm').fill('sharer@example.com');
  await page.screenshot({ path: join(shots, '13-account-settings.png'), fullPage: true });
  await page.getByRole('button', { name: 'Delete account' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  assert.equal((await signIn('an even longer new password')).status, 401, 'the account is gone');

  assert.deepEqual(problems, [], 'no CSP violations or page errors');
  await context.close();
});
