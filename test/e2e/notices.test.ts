/**
 * Notices of illegal content in headless Chromium: an anonymous reader's form in the widget
 * (keyboard, errors tied to their fields, the confirmation with the case link), the
 * notifier's case status page before and after a moderator's decision, in Swedish and
 * English, and the notices queue on /moderate. Screenshots and axe-core checks for each state.
 */
import type { Page } from 'playwright-core';
import { createSite, eventually, TestSite } from '../helpers/harness';
import { MODERATOR, MODERATOR_2 } from '../helpers/moderation';
import { PAGE_CSP } from '../../src/modules/widget/widget.routes';
import { browserSuite, checkState, postDecided } from './browser';

jest.setTimeout(120_000);

const suite = browserSuite({ width: 1000, height: 1000 });

async function newSite(): Promise<TestSite> {
  return createSite(suite.service.h, {
    origins: [suite.host.origin],
    moderation: { mode: 'post' },
    rateLimits: { commentsPerCommenterPerMinute: 1000, commentsPerIpPerMinute: 10_000 },
  });
}

/** What has focus inside the widget's shadow root. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.querySelector('#kommentarer')?.shadowRoot?.activeElement as HTMLElement | null | undefined;
    return el ? { tag: el.tagName, id: el.id, text: el.textContent ?? '' } : null;
  });

async function openThread(site: TestSite, thread: string, page?: Page): Promise<Page> {
  const p = page ?? (await suite.context.newPage());
  await p.goto(suite.host.page({ site: site.id, thread }));
  await p.locator('section.k h2').waitFor();
  return p;
}

describe('the notice of illegal content', () => {
  it('when an anonymous reader reports a comment by keyboard, then errors are tied to their fields, the confirmation links to the case page, which shows it received and then decided', async () => {
    const site = await newSite();
    const c = await postDecided(suite.service, site, 'Jag vet var du bor.', { sub: 'hot', name: 'Hotfull' }, 'n1');
    expect(c.status).toBe('published');
    const page = await openThread(site, 'n1');
    const article = page.locator(`section.k article[data-id="${c._id}"]`);
    const opener = article.getByRole('button', { name: 'Anmäl olagligt innehåll' });
    // Anonymous: no login-only report button, but the notice is offered.
    expect(await article.getByRole('button', { name: 'Anmäl', exact: true }).count()).toBe(0);

    // Open by keyboard; focus moves into the form, and Escape gives it back to the opener.
    await opener.focus();
    await page.keyboard.press('Enter');
    const category = page.getByLabel('Vilket slags olagligt innehåll?');
    await category.waitFor();
    expect(await opener.getAttribute('aria-expanded')).toBe('true');
    expect((await focused(page))?.tag).toBe('SELECT');
    await page.keyboard.press('Escape');
    await eventually(async () => (await category.count()) === 0);
    expect(await focused(page)).toMatchObject({ tag: 'BUTTON', text: 'Anmäl olagligt innehåll' });
    expect(await opener.getAttribute('aria-expanded')).toBe('false');

    await page.keyboard.press('Enter');
    await category.waitFor();
    // The categories are the site's illegal reasons only.
    await eventually(async () => (await category.locator('option').count()) > 1);
    expect(await category.locator('option').allInnerTexts()).toEqual([
      'Välj…',
      'Olaga hot',
      'Hets mot folkgrupp',
      'Förtal',
      'Olaga integritetsintrång',
    ]);
    await category.selectOption({ label: 'Olaga hot' });
    await page.keyboard.press('Tab');
    const explanation = page.getByLabel('Förklara varför innehållet är olagligt');
    expect((await focused(page))?.tag).toBe('TEXTAREA');
    await page.keyboard.type('Kommentaren hotar en namngiven person.');
    const count = page.locator('section.k form.notice .count');
    expect(await count.innerText()).toBe(`${2000 - 'Kommentaren hotar en namngiven person.'.length} tecken kvar`);
    expect(await explanation.getAttribute('maxlength')).toBe('2000');
    const name = page.getByLabel('Namn', { exact: true });
    const email = page.getByLabel('E-postadress');
    expect(await name.getAttribute('autocomplete')).toBe('name');
    expect(await email.getAttribute('type')).toBe('email');
    expect(await email.getAttribute('autocomplete')).toBe('email');
    await name.fill('Nora Notifierare');
    await email.fill('nora@example.test');
    expect(await page.locator('section.k form.notice').innerText()).toContain(
      'Namn och adress sparas bara för ärendet och raderas när det är avslutat.',
    );

    // Without the good-faith box: refused without a request, said, and tied to the box.
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
    });
    await email.press('Enter');
    const alert = page.locator('section.k form.notice [role="alert"]');
    await eventually(async () => (await alert.innerText()) === 'Anmälan skickades inte: rätta det markerade.');
    const goodFaith = page.getByLabel('Jag intygar att uppgifterna i anmälan är korrekta och lämnas i god tro.');
    expect(await goodFaith.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await goodFaith.getAttribute('aria-describedby')) as string;
    expect(await page.locator(`section.k [id="${describedBy}"]`).innerText()).toBe(
      'Intyga att uppgifterna är korrekta.',
    );
    expect((await focused(page))?.id).toBe(await goodFaith.getAttribute('id'));
    expect(posts).toEqual([]);
    await checkState(page, 'notice-form-error');

    await page.keyboard.press('Space');
    expect(await goodFaith.isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Skicka anmälan' }).press('Enter');
    const done = page.locator('section.k .ok-box');
    await done.waitFor();
    const doneText = await done.innerText();
    const caseId = /ärende ([a-f0-9]+)\)/.exec(doneText)?.[1];
    expect(caseId).toBeTruthy();
    expect(doneText).toContain('Spara länken');
    expect(posts).toEqual([`/api/v1/sites/${site.id}/notices`]);
    expect((await focused(page))?.text).toContain('Tack! Anmälan är mottagen');
    const href = (await done.getByRole('link', { name: 'Följ ärendet' }).getAttribute('href')) as string;
    const link = new URL(href);
    expect(link.origin + link.pathname).toBe(`${suite.service.origin}/notices/status`);
    expect(link.search).toBe(''); // the id and token never in the query
    const fragment = new URLSearchParams(link.hash.slice(1));
    expect(fragment.get('site')).toBe(site.id);
    expect(fragment.get('id')).toBe(caseId);
    expect(fragment.get('token')).toBeTruthy();
    await checkState(page, 'notice-form-confirmation');

    // The case page: received, under the strict CSP, in Swedish for a browser that prefers it.
    const svBrowser = await suite.browser.newContext({ locale: 'sv-SE' });
    const status = await svBrowser.newPage();
    const cspProblems: string[] = [];
    status.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspProblems.push(m.text());
    });
    const answer = await status.goto(href);
    expect(answer?.headers()['content-security-policy']).toBe(PAGE_CSP);
    await status.getByRole('heading', { level: 1, name: 'Anmälan om olagligt innehåll' }).waitFor();
    await status.getByRole('heading', { level: 2, name: `Ärende ${caseId}` }).waitFor();
    const live = status.getByRole('status');
    await eventually(async () => (await live.innerText()).startsWith('Anmälan är mottagen'));
    const facts = status.locator('dl.facts');
    expect(await facts.getAttribute('data-status')).toBe('received');
    expect(await facts.innerText()).toContain('Olaga hot');
    expect(await facts.innerText()).toContain('Mottagen');
    expect(await status.evaluate(() => document.documentElement.lang)).toBe('sv');
    await checkState(status, 'notice-status-received');

    const decided = await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/moderation/notices/${caseId}/decision`)
      .set(await site.bearer(MODERATOR))
      .send({ action: 'remove', reasonId: 'olaga_hot', reason: 'Hot mot person' });
    expect(decided.status).toBe(200);
    await status.getByRole('button', { name: 'Uppdatera' }).click();
    await eventually(async () => (await facts.getAttribute('data-status')) === 'decided');
    const decidedText = await facts.innerText();
    expect(decidedText).toContain('Avgjord');
    expect(decidedText).toContain('Kommentaren har tagits bort.');
    expect(decidedText).toContain('Olaga hot');
    expect(await live.innerText()).toContain('Anmälan är avgjord');
    await checkState(status, 'notice-status-decided');
    expect(cspProblems).toEqual([]);

    // English by ?lang=en, and by the browser's language.
    const english = await suite.context.newPage();
    await english.goto(href.replace('/notices/status#', '/notices/status?lang=en#'));
    await english.getByText('The comment has been removed.', { exact: true }).waitFor();
    expect(await english.locator('dl.facts').innerText()).toContain('Unlawful threat');
    const enBrowser = await suite.browser.newContext({ locale: 'en-GB' });
    const enPage = await enBrowser.newPage();
    await enPage.goto(href);
    await enPage.getByRole('heading', { level: 1, name: 'Notice of illegal content' }).waitFor();
    await enPage.getByText('Decided', { exact: true }).waitFor();
    expect(await enPage.evaluate(() => document.documentElement.lang)).toBe('en');
    await enBrowser.close();

    // A wrong token finds nothing.
    const wrong = await svBrowser.newPage();
    await wrong.goto(href.replace(/token=[^&]+/, 'token=wrong-token'));
    await wrong.getByText('Ärendet hittades inte. Kontrollera att du har använt hela länken.').waitFor();
    await svBrowser.close();
  });

  it('when the comment is removed while the form is open, then sending says it is no longer published; an English widget words the form in English', async () => {
    const site = await newSite();
    const c = await postDecided(suite.service, site, 'Snart borta.', { sub: 'b1', name: 'Borta' }, 'n2');
    const page = await suite.context.newPage();
    await page.goto(suite.host.page({ site: site.id, thread: 'n2', locale: 'en' }));
    await page.locator('section.k h2').waitFor();
    await page.getByRole('button', { name: 'Report illegal content' }).click();
    const category = page.getByLabel('What kind of illegal content?');
    await eventually(async () => (await category.locator('option').count()) > 1);
    await category.selectOption({ label: 'Defamation' });
    await page.getByLabel('Explain why the content is illegal').fill('It says a named person committed a crime.');
    await page.getByLabel('I confirm that the information in this notice is accurate and given in good faith.').check();
    expect(await page.locator('section.k form.notice').innerText()).toContain(
      'Your name and address are kept only for this case and deleted after it.',
    );
    await checkState(page, 'notice-form-english');
    await suite.service.h.http
      .delete(`/api/v1/comments/${c._id}?reasonId=fortal`)
      .set(await site.bearer(MODERATOR))
      .expect(204);
    await page.getByRole('button', { name: 'Send notice' }).click();
    await page
      .locator('section.k form.notice [role="alert"]', { hasText: 'The comment is no longer published.' })
      .waitFor();
  });
});

describe('the notices queue on /moderate', () => {
  it('when notices wait, then /moderate opens on Anmälningar first, with counts, and a notice is decided by keyboard with the reason picker preselected, or with no action', async () => {
    const site = await newSite();
    const first = await postDecided(suite.service, site, 'Olagligt påstående om X.', { sub: 'a1', name: 'Alf' }, 'q1');
    const second = await postDecided(suite.service, site, 'Helt lagligt inlägg.', { sub: 'a2', name: 'Berit' }, 'q1');
    const notice = async (commentId: unknown, reasonId: string, extra: Record<string, unknown> = {}) => {
      const r = await suite.service.h.http
        .post(`/api/v1/sites/${site.id}/notices`)
        .send({ commentId: String(commentId), reasonId, explanation: 'Förklaringen.', goodFaith: true, ...extra });
      expect(r.status).toBe(201);
      return r.body.notice.id as string;
    };
    await notice(first._id, 'fortal', { notifier: { name: 'Nils', email: 'nils@example.test' } });
    await notice(second._id, 'olaga_hot');

    const page = await suite.context.newPage();
    await page.goto(`${suite.service.origin}/moderate#site=${site.id}&token=${await site.token(MODERATOR)}`);
    const tab = page.getByRole('tab', { name: /Anmälningar/ });
    await tab.waitFor();
    const tabNames = await page.getByRole('tab').allInnerTexts();
    expect(tabNames[0]).toMatch(/^Anmälningar/);
    expect(tabNames.at(-1)).toMatch(/^Överklaganden/);
    await eventually(async () => (await tab.getAttribute('aria-selected')) === 'true');
    await eventually(async () => (await tab.locator('.n').getAttribute('data-count')) === '2');
    const item = page.locator('li.item', { hasText: 'Olagligt påstående om X.' });
    await item.waitFor();
    const text = await item.innerText();
    expect(text).toContain('Anmälan: Förtal');
    expect(text).toContain('Förklaringen.');
    expect(text).toContain('har lämnat namn och e-postadress');
    expect(text).not.toContain('Nils');
    expect(text).not.toContain('nils@example.test');
    expect(await item.locator('.open-notices').innerText()).toBe('1');
    expect(await page.locator('li.item', { hasText: 'Helt lagligt inlägg.' }).innerText()).toContain(
      'har inte lämnat några kontaktuppgifter',
    );
    await checkState(page, 'moderate-notices');

    // Keyboard: the first item is selected; r opens the removal with the category preselected.
    await page.locator('li.item').first().focus();
    await page.keyboard.press('r');
    const picker = page.getByLabel('Skäl', { exact: true });
    await picker.waitFor();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('SELECT');
    expect(await picker.inputValue()).toBe('fortal');
    await checkState(page, 'moderate-notice-remove-form');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Påstående om brott');
    await page.keyboard.press('Enter');
    await page.getByText('Kommentaren är borttagen och anmälan avgjord.').waitFor();
    await eventually(async () => (await tab.locator('.n').getAttribute('data-count')) === '1');
    const thread = await suite.service.h.http.get(`/api/v1/sites/${site.id}/comments?thread=q1`);
    expect(thread.body.comments.map((x: { body: string }) => x.body)).toEqual(['Helt lagligt inlägg.']);

    // The remaining notice: no action, by keyboard (Tab to the button, Enter).
    const rest = page.locator('li.item', { hasText: 'Helt lagligt inlägg.' });
    await rest.getByRole('button', { name: 'Ingen åtgärd' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Anmälan är avgjord utan åtgärd.').waitFor();
    await eventually(async () => (await tab.locator('.n').getAttribute('data-count')) === '0');
    expect(await page.locator('li.empty').innerText()).toBe('Inget här just nu.');
    const after = await suite.service.h.http.get(`/api/v1/sites/${site.id}/comments?thread=q1`);
    expect(after.body.comments.map((x: { body: string }) => x.body)).toEqual(['Helt lagligt inlägg.']);
    await checkState(page, 'moderate-notices-done');
  });

  it('when a colleague has already decided a notice, then the 409 is said and the list refreshed', async () => {
    const site = await newSite();
    const c = await postDecided(suite.service, site, 'Dubbelt anmäld.', { sub: 'd1', name: 'Dora' }, 'q2');
    const r = await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/notices`)
      .send({ commentId: String(c._id), reasonId: 'fortal', explanation: 'Förtal.', goodFaith: true });
    expect(r.status).toBe(201);
    const page = await suite.context.newPage();
    await page.goto(`${suite.service.origin}/moderate#site=${site.id}&token=${await site.token(MODERATOR)}`);
    const item = page.locator('li.item', { hasText: 'Dubbelt anmäld.' });
    await item.waitFor();
    await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/moderation/notices/${r.body.notice.id}/decision`)
      .set(await site.bearer(MODERATOR_2))
      .send({ action: 'no_action' })
      .expect(200);
    await item.getByRole('button', { name: 'Ingen åtgärd' }).click();
    await page.getByText('Anmälan är redan avgjord av en annan moderator. Listan är uppdaterad.').waitFor();
    await eventually(async () => (await page.locator('li.item').count()) === 0);
  });
});
