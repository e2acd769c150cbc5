/**
 * Appeals in headless Chromium: the author of a rejected or removed comment sees the
 * statement of the decision with the appeal form, a banned commenter the statement of the
 * ban with the same form, and the appeals queue on /moderate, where the moderator who made
 * the decision cannot decide its appeal and another can. Screenshots and axe-core checks.
 */
import type { Page } from 'playwright-core';
import { createSite, eventually, TestSite } from '../helpers/harness';
import { MODERATOR, MODERATOR_2 } from '../helpers/moderation';
import { browserSuite, checkState, postDecided } from './browser';

jest.setTimeout(120_000);

const suite = browserSuite({ width: 1000, height: 1000 });

async function newSite(mode: 'pre' | 'post' = 'pre'): Promise<TestSite> {
  return createSite(suite.service.h, {
    origins: [suite.host.origin],
    moderation: { mode },
    rateLimits: { commentsPerCommenterPerMinute: 1000, commentsPerIpPerMinute: 10_000 },
  });
}

/** A comment held for a person, then rejected by MODERATOR with a reason and a note. */
async function rejectedByModerator(site: TestSite, body: string, author: Record<string, unknown>, thread: string) {
  const c = await postDecided(suite.service, site, body, author, thread);
  expect(c.held).toBe(true);
  await suite.service.h.http
    .post(`/api/v1/sites/${site.id}/moderation/comments/${c._id}/decision`)
    .set(await site.bearer(MODERATOR))
    .send({ action: 'reject', reasonId: 'utanfor_amnet', reason: 'Osakligt' })
    .expect(200);
  return String(c._id);
}

async function openAs(site: TestSite, thread: string, claims: Record<string, unknown>): Promise<Page> {
  const page = await suite.context.newPage();
  await page.goto(suite.host.page({ site: site.id, thread, token: await site.token(claims) }));
  await page.locator('section.k h2').waitFor();
  return page;
}

async function openModerate(site: TestSite, claims: Record<string, unknown>): Promise<Page> {
  const page = await suite.context.newPage();
  await page.goto(`${suite.service.origin}/moderate#site=${site.id}&token=${await site.token(claims)}`);
  await page.locator('#tab-appeals').waitFor();
  return page;
}

describe("the author's appeal", () => {
  it('when a moderator rejected their comment, then its author appeals in the statement, sees it received, and after another moderator reverses it sees the comment published', async () => {
    const site = await newSite();
    const author = { sub: 'overklagare', name: 'Olga Överklagare' };
    const id = await rejectedByModerator(site, 'Min kommentar om ämnet.', author, 'a1');

    const page = await openAs(site, 'a1', author);
    const own = page.locator(`section.k article[data-id="${id}"]`);
    await own.locator('.badge', { hasText: 'Inte publicerad' }).waitFor();
    const statement = own.locator('.statement');
    await statement.getByText('Utanför ämnet').waitFor();
    expect(await statement.innerText()).toMatch(/Du kan överklaga beslutet till och med .+\./);
    const opener = statement.getByRole('button', { name: 'Överklaga beslutet' });
    await opener.focus();
    await page.keyboard.press('Enter');
    const text = statement.getByLabel('Varför är beslutet fel?');
    await text.waitFor();
    expect(await text.getAttribute('maxlength')).toBe('1000');
    expect(await page.evaluate(() => document.querySelector('#kommentarer')?.shadowRoot?.activeElement?.tagName)).toBe(
      'TEXTAREA',
    );
    // Empty: refused, said, tied to the field.
    await statement.getByRole('button', { name: 'Skicka överklagandet' }).click();
    await statement.locator('[role="alert"]', { hasText: 'Skriv en förklaring.' }).waitFor();
    expect(await text.getAttribute('aria-invalid')).toBe('true');
    await text.fill('Kommentaren handlar om artikelns ämne: stödet till små företag.');
    expect(await statement.locator('.count').innerText()).toBe(
      `${1000 - 'Kommentaren handlar om artikelns ämne: stödet till små företag.'.length} tecken kvar`,
    );
    await checkState(page, 'appeal-form-open');
    await statement.getByRole('button', { name: 'Skicka överklagandet' }).click();
    await statement.getByRole('status').filter({ hasText: 'Överklagandet är mottaget.' }).waitFor();
    expect(await statement.getByRole('button', { name: 'Överklaga beslutet' }).count()).toBe(0);
    await checkState(page, 'appeal-received');

    // After a reload the statement still says so.
    await page.reload();
    await own.locator('.statement', { hasText: 'Överklagandet är mottaget.' }).waitFor();

    // The moderator who rejected it may not decide the appeal; another may.
    const queue = await suite.service.h.http
      .get(`/api/v1/sites/${site.id}/moderation/queues/appeals`)
      .set(await site.bearer(MODERATOR_2));
    expect(queue.status).toBe(200);
    const appealId = queue.body.items[0].id as string;
    const same = await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/moderation/appeals/${appealId}/decision`)
      .set(await site.bearer(MODERATOR))
      .send({ outcome: 'reversed' });
    expect(same.body.error?.code).toBe('SAME_MODERATOR');
    await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/moderation/appeals/${appealId}/decision`)
      .set(await site.bearer(MODERATOR_2))
      .send({ outcome: 'reversed', reason: 'Hör till ämnet' })
      .expect(200);

    await page.reload();
    const published = page.locator(`section.k article[data-id="${id}"]`);
    await eventually(async () => (await published.getAttribute('data-status')) === 'published');
    expect(await published.locator('.badge').count()).toBe(0);
    const reader = await suite.browser.newContext();
    const readerPage = await reader.newPage();
    await readerPage.goto(suite.host.page({ site: site.id, thread: 'a1' }));
    await readerPage.getByText('Min kommentar om ämnet.').waitFor();
    await reader.close();
  });

  it('when a moderator removed their published comment, then its author sees it whole as removed by a moderator, with the reason and the appeal', async () => {
    const site = await newSite('post');
    const author = { sub: 'borttagen', name: 'Bo Borttagen' };
    const c = await postDecided(suite.service, site, 'Publicerad, sedan borttagen.', author, 'a2');
    expect(c.status).toBe('published');
    await suite.service.h.http
      .delete(`/api/v1/comments/${c._id}?reasonId=krankande_sprak`)
      .set(await site.bearer(MODERATOR))
      .expect(204);
    const page = await openAs(site, 'a2', author);
    const own = page.locator(`section.k article[data-id="${c._id}"]`);
    await own.locator('.badge', { hasText: 'Borttagen av en moderator' }).waitFor();
    expect(await own.locator('.body').innerText()).toBe('Publicerad, sedan borttagen.');
    const statement = own.locator('.statement');
    await statement.getByText('Kränkande språk').waitFor();
    expect(await statement.innerText()).toContain('Beslutet fattades av en moderator');
    await statement.getByRole('button', { name: 'Överklaga beslutet' }).click();
    await statement.getByLabel('Varför är beslutet fel?').fill('Inget i kommentaren var kränkande.');
    await statement.getByRole('button', { name: 'Skicka överklagandet' }).click();
    await statement.getByRole('status').filter({ hasText: 'Överklagandet är mottaget.' }).waitFor();
    await checkState(page, 'appeal-removed-received');
  });

  it('when a commenter is banned, then the widget states the ban (reason, until when, by a moderator) and the appeal goes to /me/ban/appeal', async () => {
    const site = await newSite('post');
    const who = { sub: 'avstangd', name: 'Ava Avstängd' };
    await postDecided(suite.service, site, 'Före avstängningen.', who, 'a3');
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
    await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/moderation/users/${who.sub}/ban`)
      .set(await site.bearer(MODERATOR))
      .send({ reason: 'Upprepade personangrepp', reasonId: 'krankande_sprak', until })
      .expect(201);
    const page = await openAs(site, 'a3', who);
    const ban = page.locator('section.k .compose .statement');
    await ban.getByText('Du är avstängd från att kommentera här').waitFor();
    await ban.getByText('Kränkande språk').waitFor();
    const text = await ban.innerText();
    expect(text).toMatch(/Avstängningen gäller till och med .+\./);
    expect(text).toContain('Beslutet fattades av en moderator');
    expect(await page.locator('section.k .compose textarea').count()).toBe(0);
    await checkState(page, 'appeal-ban-statement');

    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
    });
    await ban.getByRole('button', { name: 'Överklaga beslutet' }).click();
    await ban.getByLabel('Varför är beslutet fel?').fill('Jag har inte angripit någon.');
    await ban.getByRole('button', { name: 'Skicka överklagandet' }).click();
    await ban.getByRole('status').filter({ hasText: 'Överklagandet är mottaget.' }).waitFor();
    expect(posts).toEqual([`/api/v1/sites/${site.id}/me/ban/appeal`]);
    await checkState(page, 'appeal-ban-received');
  });
});

describe('the appeals queue on /moderate', () => {
  it('when the viewing moderator made the decision appealed, then the buttons are disabled with why; another moderator upholds it by keyboard and the author sees that it stands', async () => {
    const site = await newSite();
    const author = { sub: 'kö-överklagare', name: 'Kim Kö' };
    const id = await rejectedByModerator(site, 'Om ämnet, tycker jag.', author, 'a4');
    const appeal = await suite.service.h.http
      .post(`/api/v1/comments/${id}/appeal`)
      .set(await site.bearer(author))
      .send({ text: 'Den handlar visst om ämnet.' });
    expect(appeal.status).toBe(201);

    const own = await openModerate(site, MODERATOR);
    const tab = own.getByRole('tab', { name: /Överklaganden/ });
    await eventually(async () => (await tab.locator('.n').getAttribute('data-count')) === '1');
    await tab.click();
    const item = own.locator('li.item', { hasText: 'Den handlar visst om ämnet.' });
    await item.waitFor();
    const text = await item.innerText();
    for (const s of [
      'Överklagande: Avvisad kommentar',
      'Det överklagade beslutet',
      'Utanför ämnet',
      'Maja Moderator',
      'Osakligt',
      'Om ämnet, tycker jag.',
    ])
      expect(text).toContain(s);
    const uphold = item.getByRole('button', { name: 'Fastställ beslutet…' });
    const reverse = item.getByRole('button', { name: 'Ändra beslutet…' });
    expect(await uphold.isDisabled()).toBe(true);
    expect(await reverse.isDisabled()).toBe(true);
    const why = (await uphold.getAttribute('aria-describedby')) as string;
    expect(await own.locator(`[id="${why}"]`).innerText()).toBe(
      'Du fattade själv det överklagade beslutet: en annan moderator måste pröva överklagandet.',
    );
    await checkState(own, 'moderate-appeal-own-decision');

    const other = await openModerate(site, MODERATOR_2);
    await other.keyboard.press('6');
    const otherTab = other.getByRole('tab', { name: /Överklaganden/ });
    await eventually(async () => (await otherTab.getAttribute('aria-selected')) === 'true');
    const otherItem = other.locator('li.item', { hasText: 'Den handlar visst om ämnet.' });
    await otherItem.waitFor();
    const otherUphold = otherItem.getByRole('button', { name: 'Fastställ beslutet…' });
    expect(await otherUphold.isDisabled()).toBe(false);
    await checkState(other, 'moderate-appeal-other-moderator');
    await otherUphold.focus();
    await other.keyboard.press('Enter');
    const picker = other.getByLabel('Skäl', { exact: true });
    await picker.waitFor();
    expect(await picker.inputValue()).toBe('utanfor_amnet');
    expect(await other.evaluate(() => document.activeElement?.tagName)).toBe('SELECT');
    await other.keyboard.press('Tab');
    await other.keyboard.type('Handlar om annat');
    await checkState(other, 'moderate-appeal-uphold-form');
    await other.keyboard.press('Enter');
    await other.getByText('Beslutet är fastställt.').waitFor();
    await eventually(async () => (await otherTab.locator('.n').getAttribute('data-count')) === '0');

    const page = await openAs(site, 'a4', author);
    const statement = page.locator(`section.k article[data-id="${id}"] .statement`);
    await statement.getByText('Beslutet står fast efter överklagandet.').waitFor();
    expect(await statement.innerText()).toContain('Utanför ämnet');
  });
});
