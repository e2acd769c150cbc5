/**
 * The moderators' page (/moderate) and the demo (/demo) in headless Chromium: approving a
 * comment a commenter just posted through the widget, a colleague's earlier decision (409),
 * counts that refresh by themselves, keyboard shortcuts for reject/ban/close, reports, and
 * the demo's pretend login. Screenshots and axe-core checks for every state.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { CommentModel } from '../../src/modules/comments/comment.model';
import { loadSeedFile } from '../../src/modules/sites/site.seed';
import { ThreadModel } from '../../src/modules/threads/thread.model';
import { PAGE_CSP } from '../../src/modules/widget/widget.routes';
import { createSite, eventually, TestSite } from '../helpers/harness';
import { MODERATOR, MODERATOR_2 } from '../helpers/moderation';
import { browserSuite, checkState, postDecided, WORKER_WAIT_MS } from './browser';
import { REPO_ROOT } from '../helpers/paths';

jest.setTimeout(120_000);

const suite = browserSuite({ width: 1000, height: 900 });

async function newSite(overrides: Record<string, unknown> = {}): Promise<TestSite> {
  return createSite(suite.service.h, {
    origins: [suite.host.origin],
    moderation: { mode: 'pre' },
    rateLimits: { commentsPerCommenterPerMinute: 1000, commentsPerIpPerMinute: 10_000 },
    ...overrides,
  });
}

/** Opens /moderate logged in through the URL fragment, on the pending queue. */
async function openModerate(site: TestSite, extra = '', claims: Record<string, unknown> = MODERATOR): Promise<Page> {
  const page = await suite.context.newPage();
  await page.goto(`${suite.service.origin}/moderate#site=${site.id}&token=${await site.token(claims)}${extra}`);
  await page.locator('#tab-pending').waitFor();
  return page;
}

const tabCount = (page: Page, name: RegExp) => page.getByRole('tab', { name }).locator('.n').getAttribute('data-count');

/** Posts through the API and waits until the worker has held it for a person (pre-moderation). */
async function heldComment(
  site: TestSite,
  body: string,
  claims: Record<string, unknown> = {},
  thread = 't',
): Promise<string> {
  const c = await postDecided(suite.service, site, body, claims, thread);
  expect(c.held).toBe(true);
  return String(c._id);
}

describe("the moderators' page", () => {
  it('when a commenter posts through the widget, then a moderator approves it on /moderate and another reader sees it published', async () => {
    const site = await newSite();
    const writer = await suite.context.newPage();
    await writer.goto(suite.host.page({ site: site.id, thread: 'flöde', title: 'Flödesartikeln' }));
    await writer.locator('section.k h2').waitFor();
    await writer.evaluate(
      (t) => (window as unknown as { Kommentarer: { login(t: string): Promise<void> } }).Kommentarer.login(t),
      await site.token({ sub: 'writer', name: 'Vera Skribent' }),
    );
    await writer.getByLabel('Din kommentar').fill('Viktigt att små företag får stöd!');
    await writer.getByRole('button', { name: 'Skicka' }).click();
    await writer.locator('section.k .badge', { hasText: 'Väntar på granskning' }).waitFor();
    await eventually(
      async () => (await CommentModel.findOne({ siteId: site.id }).lean())?.held === true,
      WORKER_WAIT_MS,
    );

    const page = await openModerate(site);
    const item = page.locator('li.item', { hasText: 'Viktigt att små företag får stöd!' });
    await item.waitFor();
    expect(await tabCount(page, /Väntande/)).toBe('1');
    const text = await item.innerText();
    for (const s of [
      'Kommentar av Vera Skribent (writer)',
      'Flödesartikeln',
      'Författarens historik',
      '0 publicerade · 0 avvisade · 1 väntande',
      'Regler som slog till',
      'Anmälningar',
    ])
      expect(text).toContain(s);
    expect(await page.locator('#who').innerText()).toBe(`Inloggad som Maja Moderator på ${site.id}`);
    await checkState(page, 'moderate-pending');

    // Keyboard: the first item is selected; "a" approves it.
    await page.keyboard.press('a');
    await page.getByText('Kommentaren är godkänd och publicerad.').waitFor();
    await eventually(async () => (await tabCount(page, /Godkända/)) === '1');
    expect(await tabCount(page, /Väntande/)).toBe('0');
    expect(await page.locator('li.empty').innerText()).toBe('Inget här just nu.');
    await checkState(page, 'moderate-approved');

    const reader = await suite.browser.newContext();
    const readerPage = await reader.newPage();
    await readerPage.goto(suite.host.page({ site: site.id, thread: 'flöde' }));
    await readerPage.locator('section.k .list article', { hasText: 'Viktigt att små företag får stöd!' }).waitFor();
    expect(await readerPage.locator('section.k h2').innerText()).toBe('Kommentarer (1)');
    expect(await readerPage.locator('section.k .badge').count()).toBe(0);
    await checkState(readerPage, 'widget-published-for-another-reader');

    // Among the approved, the thread link points at the comment in place on the article.
    await page.getByRole('tab', { name: /Godkända/ }).click();
    const approved = page.locator('li.item', { hasText: 'Viktigt att små företag får stöd!' });
    await approved.waitFor();
    const id = await approved.getAttribute('data-id');
    const link = await approved.getByRole('link', { name: 'Flödesartikeln' }).getAttribute('href');
    expect(link).toMatch(new RegExp(`#kommentar-${id}$`));
    await readerPage.goto(link as string);
    await readerPage.locator(`section.k article.target[data-id="${id}"]`).waitFor();
    await reader.close();
  });

  it('when a colleague has already decided, then the 409 is shown plainly and the list is refreshed', async () => {
    const site = await newSite();
    const first = await heldComment(site, 'Den som kollegan hinner före med.', { sub: 'a1', name: 'Alva' });
    await heldComment(site, 'Den som ligger kvar.', { sub: 'a2', name: 'Bertil' });
    const page = await openModerate(site);
    await page.locator('li.item').nth(1).waitFor();

    const colleague = await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/moderation/comments/${first}/decision`)
      .set(await site.bearer(MODERATOR_2))
      .send({ action: 'reject', reasonId: 'utanfor_amnet', reason: 'dubblett' });
    expect(colleague.status).toBe(200);
    await page
      .locator('li.item', { hasText: 'Den som kollegan hinner före med.' })
      .getByRole('button', { name: 'Godkänn' })
      .click();
    await page
      .getByText('En annan moderator har redan beslutat om den här kommentaren. Listan är uppdaterad.')
      .waitFor();
    await eventually(async () => (await page.locator('li.item').count()) === 1);
    expect(await page.locator('li.item').innerText()).toContain('Den som ligger kvar.');
    expect(await tabCount(page, /Väntande/)).toBe('1');
    expect(await page.getByRole('button', { name: /Kön har ändrats/ }).count()).toBe(0);
    const stored = await CommentModel.findById(first).lean();
    expect(stored?.status).toBe('rejected');
    await checkState(page, 'moderate-already-decided');
  });

  it('when new comments arrive, then the counts refresh without a reload', async () => {
    const site = await newSite();
    const page = await openModerate(site, '&refresh=1');
    await page.getByText('Inget här just nu.').waitFor();
    expect(await tabCount(page, /Väntande/)).toBe('0');
    await heldComment(site, 'Kom in medan sidan var öppen.');
    await eventually(async () => (await tabCount(page, /Väntande/)) === '1', 15_000);
    await page.getByRole('button', { name: 'Kön har ändrats. Uppdatera listan' }).click();
    await page.locator('li.item', { hasText: 'Kom in medan sidan var öppen.' }).waitFor();
    await checkState(page, 'moderate-counts-refreshed');
  });

  it('when the moderator uses the keyboard, then j/k move, r rejects with a reason from the site’s list (required), b bans the author and c closes the thread', async () => {
    const site = await newSite();
    await heldComment(site, 'Första i kön.', { sub: 'k1', name: 'Karin' }, 'tangent');
    await heldComment(site, 'Andra i kön, ska avvisas.', { sub: 'k2', name: 'Kalle' }, 'tangent');
    const page = await openModerate(site);
    await page.locator('li.item').nth(1).waitFor();

    await page.keyboard.press('j');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Andra i kön, ska avvisas.');
    await page.keyboard.press('k');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Första i kön.');
    await page.keyboard.press('j');

    await page.keyboard.press('r');
    const picker = page.getByLabel('Skäl', { exact: true });
    await picker.waitFor();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('SELECT'); // the reason comes first
    const note = page.getByLabel('Anteckning (sparas i loggen, valfritt)');
    await note.fill('Osakligt');
    await note.press('Enter'); // no reason chosen: refused, and said
    await page.getByText('Välj ett skäl ur listan.').waitFor();
    expect(await picker.getAttribute('aria-invalid')).toBe('true');
    await picker.selectOption({ label: 'Utanför ämnet' });
    await checkState(page, 'moderate-reject-with-reason');
    await note.press('Enter');
    await page.getByText('Kommentaren är avvisad.').waitFor();
    await eventually(async () => (await tabCount(page, /Avvisade/)) === '1');
    const log = await suite.service.h.http
      .get(`/api/v1/sites/${site.id}/moderation/log`)
      .set(await site.bearer(MODERATOR));
    expect(JSON.stringify(log.body)).toContain('Osakligt');
    expect(log.body.entries[0]).toMatchObject({ action: 'rejected', reasonId: 'utanfor_amnet' });

    // The remaining item (Karin's) is selected: ban her, then close the thread.
    await page.locator('li.item.selected', { hasText: 'Första i kön.' }).waitFor();
    await page.keyboard.press('b');
    await page.getByLabel('Skäl', { exact: true }).selectOption({ label: 'Kränkande språk' });
    await page.getByLabel('Skäl till avstängningen').fill('Upprepade övertramp');
    await page.getByRole('button', { name: 'Stäng av', exact: true }).click();
    await page.getByText('Karin är avstängd från att kommentera.').waitFor();
    const banned = await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer({ sub: 'k1', name: 'Karin' }))
      .send({ thread: 'tangent', body: 'Hej igen' });
    expect(banned.body.error.code).toBe('BANNED');

    await page.locator('li.item.selected').focus();
    await page.keyboard.press('c');
    await page.getByText('Tråden är stängd för fler kommentarer.').waitFor();
    const thread = await suite.service.h.http.get(`/api/v1/sites/${site.id}/thread?key=tangent`);
    expect(thread.body.thread.status).toBe('closed');
    expect(await page.locator('li.item').innerText()).toContain('(stängd)');
    await checkState(page, 'moderate-after-ban-and-close');

    await page.keyboard.press('3');
    await eventually(
      async () => (await page.getByRole('tab', { name: /Anmälda/ }).getAttribute('aria-selected')) === 'true',
    );
  });

  it('when a published comment is reported, then the reported queue shows the reports and approving keeps it published', async () => {
    const site = await newSite({ moderation: { mode: 'post' } });
    const c = await postDecided(suite.service, site, 'Anmäld men ok.', { sub: 'r1', name: 'Rut' }, 'anmäld');
    const report = await suite.service.h.http
      .post(`/api/v1/comments/${c._id}/reports`)
      .set(await site.bearer({ sub: 'r2', name: 'Rolf' }))
      .send({ reason: 'off_topic', note: 'Fel tråd?' });
    expect(report.status).toBe(201);
    const page = await openModerate(site, '&lang=en');
    await page.getByRole('tab', { name: /Reported/ }).click();
    const item = page.locator('li.item', { hasText: 'Anmäld men ok.' });
    await item.waitFor();
    expect(await item.innerText()).toContain('Off topic – Fel tråd?');
    await checkState(page, 'moderate-reported-english');
    await item.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('The comment is approved and published.').waitFor();
    await eventually(async () => (await tabCount(page, /Reported/)) === '0');
    const list = await suite.service.h.http.get(`/api/v1/sites/${site.id}/comments?thread=anmäld`);
    expect(list.body.comments.map((x: { body: string }) => x.body)).toEqual(['Anmäld men ok.']);
  });

  it("when the token is not a moderator's, then the login form says so, and a moderator token pasted there logs in", async () => {
    const site = await newSite();
    const page = await suite.context.newPage();
    await page.goto(
      `${suite.service.origin}/moderate#site=${site.id}&token=${await site.token({ sub: 'reader', name: 'Vanlig Läsare' })}`,
    );
    await page.getByText('Du har inte behörighet att göra detta.').waitFor();
    expect(page.url()).not.toContain('token='); // the token does not stay in the address bar
    await checkState(page, 'moderate-login-forbidden');
    await page.getByLabel('Moderatorns JWT').fill(await site.token(MODERATOR));
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.getByRole('tab', { name: /Väntande/ }).waitFor();
  });
});

describe("thread links on the moderators' page", () => {
  it("when a thread's stored address is on another origin, then the page shows its title as text and links nowhere", async () => {
    const site = await newSite();
    await heldComment(site, 'I en tråd med egen adress', {}, 'egen');
    await heldComment(site, 'I en tråd med främmande adress', {}, 'främmande');
    await ThreadModel.updateOne(
      { siteId: site.id, key: 'egen' },
      { $set: { url: `${suite.host.origin}/artikel/egen`, title: 'Egen artikel' } },
    );
    await ThreadModel.updateOne(
      { siteId: site.id, key: 'främmande' },
      { $set: { url: 'https://evil.example/phish', title: '<img src=x onerror="window.pwned=1">Falsk' } },
    );

    const page = await openModerate(site);
    const own = page.locator('li.item', { hasText: 'I en tråd med egen adress' });
    const foreign = page.locator('li.item', { hasText: 'I en tråd med främmande adress' });
    await own.waitFor();
    await foreign.waitFor();
    expect(await own.locator('.meta a').getAttribute('href')).toBe(`${suite.host.origin}/artikel/egen`);
    expect(await foreign.locator('a').count()).toBe(0);
    expect(await foreign.locator('.meta').innerText()).toContain('<img src=x onerror="window.pwned=1">Falsk');
    expect(await foreign.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  });
});

/**
 * The demo site from its seed, with this run's service origin added: the demo page is
 * served from there, and a thread's address is accepted only on the site's origins.
 */
async function seedDemo(): Promise<void> {
  const { h, origin } = suite.service;
  const [demo] = loadSeedFile(path.join(REPO_ROOT, 'config/demo-sites.json'));
  await h.services.sites.seed([demo!]);
  const origins = [...(demo!.config as { origins: string[] }).origins, origin];
  const res = await h.http.patch('/api/v1/admin/sites/demo').set(h.admin).send({ origins });
  expect(res.status).toBe(200);
}

describe('the demo', () => {
  it('when /demo is opened, then the seed article shows with the widget, the fake login mints a token and the moderator link opens /moderate', async () => {
    await seedDemo();
    const page = await suite.context.newPage();
    const cspProblems: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspProblems.push(m.text());
    });
    const response = await page.goto(`${suite.service.origin}/demo`);
    expect(response?.headers()['content-security-policy']).toBe(PAGE_CSP);
    expect(await page.locator('h1').innerText()).toBe('Vi jobbar vidare för industrins digitalisering');
    await page.locator('section.k h2').waitFor();
    expect(await page.locator('section.k').innerText()).toContain('Du måste vara inloggad för att få kommentera');
    await checkState(page, 'demo-article');

    await page.getByRole('button', { name: 'Logga in som demoläsare' }).click();
    await page.locator('section.k textarea').waitFor();
    expect(await page.locator('section.k').innerText()).toContain('Inloggad som Demo Läsare');
    await page.getByLabel('Din kommentar').fill('Hej från demosidan!');
    await page.getByRole('button', { name: 'Skicka' }).click();
    await page.getByText('Tack! Din kommentar väntar på granskning.').waitFor();
    await checkState(page, 'demo-logged-in');

    await eventually(async () =>
      (await page.locator('#demo-moderate').getAttribute('href'))?.startsWith('/moderate#site=demo&token='),
    );
    await page.locator('#demo-moderate').click();
    await page.getByRole('tab', { name: /Väntande/ }).waitFor();
    expect(await page.locator('#who').innerText()).toBe('Inloggad som Demo Moderator på demo');
    await checkState(page, 'demo-moderate');
    expect(cspProblems).toEqual([]);

    const english = await suite.context.newPage();
    await english.goto(`${suite.service.origin}/demo?lang=en`);
    await english.locator('section.k h2', { hasText: 'Comments' }).waitFor();
  });

  it("when /demo/token is asked for, then it signs with the demo site's stored secret, and refuses other sites and unknown roles", async () => {
    await seedDemo();
    const site = await newSite();
    const minted = await suite.service.h.http.get('/demo/token?role=moderator&site=demo');
    expect(minted.status).toBe(200);
    expect(minted.headers['cache-control']).toBe('no-store');
    const queues = await suite.service.h.http
      .get('/api/v1/sites/demo/moderation/queues')
      .set({ Authorization: `Bearer ${minted.body.token}` });
    expect(queues.status).toBe(200);
    expect((await suite.service.h.http.get(`/demo/token?role=moderator&site=${site.id}`)).status).toBe(404);
    expect((await suite.service.h.http.get('/demo/token?site=no-such-site')).status).toBe(404);
    expect((await suite.service.h.http.get('/demo/token?role=admin')).body.error.code).toBe('VALIDATION_FAILED');
    const embed = await suite.service.h.http.get('/embed.js');
    expect(embed.headers['content-type']).toMatch(/^text\/javascript/);
    expect(embed.headers['cross-origin-resource-policy']).toBe('cross-origin');
    // API answers keep helmet's own policy; only the pages get the page policy.
    const api = await suite.service.h.http.get(`/api/v1/sites/${site.id}/thread?key=x`);
    expect(api.headers['content-security-policy']).not.toBe(PAGE_CSP);
  });
});
