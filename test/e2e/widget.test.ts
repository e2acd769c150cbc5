/**
 * The embeddable widget in headless Chromium, on a host page served from its own origin:
 * reading, writing, the countdown, awaiting moderation, closed threads, markup shown as
 * text, Swedish and English, hostile host CSS under a strict CSP, edit/delete/report,
 * "my data" and inline errors. Every state is screenshotted and checked with axe-core.
 */
import type { Page, Request } from 'playwright-core';
import { CommentModel } from '../../src/modules/comments/comment.model';
import { MailSubscriptionModel } from '../../src/modules/notifications/mail-subscription.model';
import { createSite, eventually, TestSite } from '../helpers/harness';
import { MODERATOR } from '../helpers/moderation';
import { browserSuite, checkState, postDecided, WORKER_WAIT_MS, HostPageOptions, screenshot } from './browser';

jest.setTimeout(120_000);

const suite = browserSuite({ width: 900, height: 900 });

const noLimits = { rateLimits: { commentsPerCommenterPerMinute: 1000, commentsPerIpPerMinute: 10_000 } };

async function newSite(overrides: Record<string, unknown> = {}): Promise<TestSite> {
  return createSite(suite.service.h, {
    origins: [suite.host.origin],
    loginUrl: `${suite.host.origin}/logga-in?return={url}`,
    ...noLimits,
    ...overrides,
  });
}

/** Opens a host page and waits until the widget has rendered its thread. */
async function open(options: HostPageOptions, page?: Page): Promise<Page> {
  const p = page ?? (await suite.context.newPage());
  await p.goto(suite.host.page(options));
  await p.locator('section.k h2').waitFor();
  return p;
}

async function login(page: Page, token: string): Promise<void> {
  await page.evaluate(
    (t) => (window as unknown as { Kommentarer: { login(t: string): Promise<void> } }).Kommentarer.login(t),
    token,
  );
  await page.locator('section.k textarea').waitFor();
}

/** API requests the page sends to the service, as "METHOD path". */
function recordApi(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r: Request) => {
    const url = new URL(r.url());
    if (url.origin === suite.service.origin && url.pathname.startsWith('/api/') && r.method() !== 'OPTIONS')
      seen.push(`${r.method()} ${url.pathname}`);
  });
  return seen;
}

const widgetText = (page: Page) => page.locator('section.k').innerText();

describe('reading', () => {
  it('when a reader opens a thread, then one request shows the count and the comments oldest first with replies, and "Visa fler" and the sort order work', async () => {
    const site = await newSite();
    const first = await postDecided(
      suite.service,
      site,
      'Första kommentaren om industrin.',
      { sub: 'u1', name: 'Anna Andersson' },
      'read',
    );
    await postDecided(suite.service, site, 'Andra kommentaren, om robotar.', { sub: 'u2', name: 'Bo Berg' }, 'read');
    await postDecided(
      suite.service,
      site,
      'Tredje kommentaren, om kompetens.',
      { sub: 'u3', name: 'Cecilia Ek' },
      'read',
    );
    await postDecided(
      suite.service,
      site,
      'Ett svar på den första.',
      { sub: 'u2', name: 'Bo Berg' },
      'read',
      String(first._id),
    );

    const page = await suite.context.newPage();
    const api = recordApi(page);
    await open({ site: site.id, thread: 'read', limit: 2 }, page);
    expect(api).toEqual([`GET /api/v1/sites/${site.id}/thread`]);
    await expect(page.locator('section.k h2').innerText()).resolves.toBe('Kommentarer (4)');
    const bodies = () => page.locator('section.k .list > li > article .body').allInnerTexts();
    expect(await bodies()).toEqual(['Första kommentaren om industrin.', 'Andra kommentaren, om robotar.']);
    expect(await page.locator('section.k .replies .body').allInnerTexts()).toEqual(['Ett svar på den första.']);
    await checkState(page, 'widget-read-thread');

    await page.getByRole('button', { name: 'Visa fler' }).click();
    await page.locator('section.k .list > li').nth(2).waitFor();
    expect(await bodies()).toEqual([
      'Första kommentaren om industrin.',
      'Andra kommentaren, om robotar.',
      'Tredje kommentaren, om kompetens.',
    ]);
    await expect(page.getByRole('button', { name: 'Visa fler' }).count()).resolves.toBe(0);

    await page.getByLabel('Sortering').selectOption('newest');
    await eventually(async () => (await bodies())[0] === 'Tredje kommentaren, om kompetens.');
    await checkState(page, 'widget-read-newest-first');
  });

  it('when a comment has more replies than are shown, then "Visa fler svar" loads the rest in order and focus moves to the first new one', async () => {
    const site = await newSite();
    const top = await postDecided(
      suite.service,
      site,
      'En kommentar med många svar.',
      { sub: 'r0', name: 'Rut Rot' },
      'svar',
    );
    // 53 replies stored directly: posting them would take 53 rounds through the worker.
    const at = top.createdAt.getTime();
    await CommentModel.insertMany(
      Array.from({ length: 53 }, (_, i) => ({
        siteId: site.id,
        threadKey: 'svar',
        parentId: top._id,
        authorId: top.authorId,
        body: `Svar nummer ${i + 1}.`,
        status: 'published',
        createdAt: new Date(at + 1000 + i),
        updatedAt: new Date(at + 1000 + i),
      })),
    );
    const page = await open({ site: site.id, thread: 'svar' });
    const replies = () => page.locator('section.k .replies .body').allInnerTexts();
    expect(await replies()).toHaveLength(50);
    const more = page.getByRole('button', { name: 'Visa fler svar' });
    await checkState(page, 'widget-more-replies-button');
    await more.click();
    await page.locator('section.k .replies > li').nth(52).waitFor();
    expect(await replies()).toEqual(Array.from({ length: 53 }, (_, i) => `Svar nummer ${i + 1}.`));
    expect(await more.count()).toBe(0);
    const focused = await page.evaluate(() => {
      const root = document.querySelector('#kommentarer')?.shadowRoot;
      return root?.activeElement?.querySelector('.body')?.textContent ?? null;
    });
    expect(focused).toBe('Svar nummer 51.');
    await checkState(page, 'widget-more-replies-loaded');

    const english = await open({ site: site.id, thread: 'svar', locale: 'en' });
    expect(await english.getByRole('button', { name: 'Show more replies' }).count()).toBe(1);
  });

  it("when a reader follows a link to one comment on a later page, then the widget pages to it, scrolls to it and marks it; clicking another comment's time does the same", async () => {
    const site = await newSite();
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      ids.push(
        String(
          (
            await postDecided(
              suite.service,
              site,
              `Kommentar nummer ${i}.`,
              { sub: `p${i}`, name: `Person ${i}` },
              'länk',
            )
          )._id,
        ),
      );
    }
    const article = suite.host.page({ site: site.id, thread: 'länk', limit: 2 });
    const page = await suite.context.newPage();
    await page.goto(`${article}#kommentar-${ids[4]}`);
    const target = page.locator('section.k article.target');
    await target.waitFor();
    expect(await target.locator('.body').innerText()).toBe('Kommentar nummer 5.');
    expect(await target.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    const box = await target.boundingBox();
    expect(box && box.y >= 0 && box.y + box.height <= 900).toBe(true); // scrolled into the viewport
    await checkState(page, 'widget-permalink-target');

    const first = page.locator(`section.k article[data-id="${ids[0]}"] a.permalink`);
    expect(await first.getAttribute('href')).toBe(`${article}#kommentar-${ids[0]}`);
    await first.click();
    await page.locator(`section.k article.target[data-id="${ids[0]}"]`).waitFor();
    expect(await page.locator('section.k article.target').count()).toBe(1);
  });

  it('when a logged-out reader wants to write, then "Du måste vara inloggad för att få kommentera" and the site\'s login link are shown and there is no form', async () => {
    const site = await newSite();
    const page = await open({ site: site.id, thread: 'utloggad' });
    const text = await widgetText(page);
    expect(text).toContain('Du måste vara inloggad för att få kommentera');
    expect(text).toContain('Inga kommentarer ännu.');
    expect(await page.locator('section.k textarea').count()).toBe(0);
    const href = await page.getByRole('link', { name: 'Logga in' }).getAttribute('href');
    expect(href).toBe(`${suite.host.origin}/logga-in?return=${encodeURIComponent(page.url())}`);
    // The privacy notice with its title and text, as on the seed page.
    expect(text).toContain('Behandling av personuppgifter');
    expect(text).toContain('Om du skriver personuppgifter i din kommentar');
    await checkState(page, 'widget-logged-out');
  });
});

describe('the thread request behind it', () => {
  it('when the thread is read with include=comments, then the first page of comments comes with it and the other fields are unchanged', async () => {
    const site = await newSite();
    await postDecided(suite.service, site, 'Med i samma svar.', {}, 'ett-anrop');
    const plain = await suite.service.h.http.get(`/api/v1/sites/${site.id}/thread?key=ett-anrop`);
    expect(plain.body.comments).toBeUndefined();
    const withComments = await suite.service.h.http.get(
      `/api/v1/sites/${site.id}/thread?key=ett-anrop&include=comments&sort=newest&limit=5`,
    );
    expect(withComments.status).toBe(200);
    expect(withComments.body.thread).toEqual(plain.body.thread);
    expect(withComments.body.site).toEqual(plain.body.site);
    expect(withComments.body.comments.map((c: { body: string }) => c.body)).toEqual(['Med i samma svar.']);
    expect(withComments.body.nextCursor).toBeNull();
    const bad = await suite.service.h.http.get(`/api/v1/sites/${site.id}/thread?key=ett-anrop&include=everything`);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('writing', () => {
  it('when a commenter types 300 and then 301 characters with emoji, then the countdown warns at 0 and the 301st character is refused without a request', async () => {
    const site = await newSite({ moderation: { mode: 'pre' } });
    const page = await open({ site: site.id, thread: 'nedräkning' });
    await login(page, await site.token({ sub: 'anna', name: 'Anna Andersson' }));
    const count = page.locator('section.k .compose .count');
    expect(await count.innerText()).toBe('300 tecken kvar');
    expect(await widgetText(page)).toContain('Inloggad som Anna Andersson');

    const textarea = page.getByLabel('Din kommentar');
    const exactly300 = `${'å'.repeat(150)}${'🇸🇪'.repeat(50)}${'👨‍👩‍👧'.repeat(50)}${'a\u030a'.repeat(50)}`; // each counts as one
    await textarea.fill(exactly300.slice(0, 2));
    expect(await count.innerText()).toBe('298 tecken kvar');
    await textarea.fill(exactly300);
    expect(await count.innerText()).toBe('0 tecken kvar');
    expect(await count.getAttribute('class')).toContain('warn');
    // Screen readers hear the countdown through a polite live region, at once when it reaches 0.
    const live = page.locator('section.k .compose .sr[aria-live="polite"]');
    await eventually(async () => (await live.innerText()) === '0 tecken kvar');
    await checkState(page, 'widget-countdown-zero');

    const api = recordApi(page);
    await textarea.fill(`${exactly300}🇸🇪`);
    expect(await count.innerText()).toBe('1 tecken för mycket');
    expect(await textarea.getAttribute('aria-invalid')).toBe('true');
    // The button stays focusable (aria-disabled) so keyboard users hear why nothing is sent.
    await page.getByRole('button', { name: 'Skicka' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Kommentaren är för lång: 301 tecken, högst 300 är tillåtet.').waitFor();
    expect(api).toEqual([]);
    await checkState(page, 'widget-countdown-over');

    // Exactly 300 as the widget counts them is what the server accepts: one function for both.
    await textarea.fill(exactly300);
    await page.getByRole('button', { name: 'Skicka' }).click();
    await page.getByText('Tack! Din kommentar väntar på granskning.').waitFor();
    expect(api).toEqual([`POST /api/v1/sites/${site.id}/comments`]);
  });

  it('when a commenter posts, then the own comment is shown awaiting moderation, also after a reload', async () => {
    const site = await newSite({ moderation: { mode: 'pre' } });
    const token = await site.token({ sub: 'bo', name: 'Bo Berg' });
    const page = await open({ site: site.id, thread: 'granskning', title: 'En artikel' });
    await login(page, token);
    await page.getByLabel('Din kommentar').fill('Bra skrivet om digitaliseringen!');
    await page.getByRole('button', { name: 'Skicka' }).click();
    const mine = page.locator('section.k .list article', { hasText: 'Bra skrivet om digitaliseringen!' });
    await mine.locator('.badge', { hasText: 'Väntar på granskning' }).waitFor();
    expect(await page.getByLabel('Din kommentar').inputValue()).toBe('');
    expect(await page.locator('section.k h2').innerText()).toBe('Kommentarer (0)');
    await checkState(page, 'widget-awaiting-moderation');

    // The host hands the token over with data-token on the next page view.
    const again = await open({ site: site.id, thread: 'granskning', token });
    await again.locator('section.k .badge', { hasText: 'Väntar på granskning' }).waitFor();
    // Someone else does not see it.
    const other = await open({ site: site.id, thread: 'granskning' });
    expect(await widgetText(other)).toContain('Inga kommentarer ännu.');
  });

  it('when the worker publishes a posted comment, then "awaiting moderation" turns into the published comment without a reload', async () => {
    const site = await newSite({ moderation: { mode: 'post' } });
    const page = await open({ site: site.id, thread: 'direkt' });
    await login(page, await site.token({ sub: 'cia', name: 'Cia Carlsson' }));
    await page.getByLabel('Din kommentar').fill('Publiceras snart');
    await page.getByRole('button', { name: 'Skicka' }).click();
    const mine = page.locator('section.k .list article', { hasText: 'Publiceras snart' });
    await mine.waitFor();
    await page
      .locator('section.k .list article[data-status="published"]', { hasText: 'Publiceras snart' })
      .waitFor({ timeout: WORKER_WAIT_MS });
    expect(await mine.locator('.badge').count()).toBe(0);
    expect(await page.locator('section.k h2').innerText()).toBe('Kommentarer (1)');
    expect(await page.locator('section.k p[role="status"]').innerText()).toBe('Din kommentar är nu publicerad.');
    await checkState(page, 'widget-published-live');
  });

  it('when the thread is closed, then "Stängd för fler kommentarer" and the public reason are shown and there is no form, even for a logged-in commenter', async () => {
    const site = await newSite();
    await postDecided(suite.service, site, 'Sista ordet innan stängning.', {}, 'stängd');
    const closed = await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/close`)
      .set(await site.bearer(MODERATOR))
      .send({ thread: 'stängd', reason: 'Internt: för många troll' });
    expect(closed.status).toBe(200);
    const page = await open({ site: site.id, thread: 'stängd', token: await site.token() });
    const text = await widgetText(page);
    expect(text).toContain('Stängd för fler kommentarer');
    expect(text).toContain('En moderator har stängt tråden.');
    expect(text).not.toContain('troll');
    expect(text).toContain('Sista ordet innan stängning.');
    expect(await page.locator('section.k textarea').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Svara' }).count()).toBe(0);
    await checkState(page, 'widget-closed');
  });
});

describe('safety', () => {
  it('when comments and names hold <img onerror> and <script>, then they are shown as text and nothing runs', async () => {
    const site = await newSite();
    const img = '<img src=x onerror="window.__pwned=\'img\'">';
    const script = '<script>window.__pwned="script"</script> <b>fet?</b>';
    await postDecided(
      suite.service,
      site,
      img,
      { sub: 'x1', name: '<img src=y onerror="window.__pwned=\'name\'">' },
      'xss',
    );
    await postDecided(suite.service, site, script, { sub: 'x2' }, 'xss');
    const page = await open({ site: site.id, thread: 'xss' });
    await page.waitForTimeout(300); // an image error would have fired by now
    const bodies = await page.locator('section.k .body').allInnerTexts();
    expect(bodies).toEqual([img, script]);
    expect(await widgetText(page)).toContain('<img src=y onerror="window.__pwned=\'name\'">');
    const elements = await page.evaluate(() => {
      const root = document.getElementById('kommentarer')?.shadowRoot;
      return {
        img: root?.querySelectorAll('img').length,
        script: root?.querySelectorAll('script').length,
        b: root?.querySelectorAll('b').length,
      };
    });
    expect(elements).toEqual({ img: 0, script: 0, b: 0 });
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    await checkState(page, 'widget-markup-as-text');
  });
});

describe('languages', () => {
  it('when data-locale is "en", then every text is English, including the API\'s messages', async () => {
    const site = await newSite();
    await postDecided(suite.service, site, 'A comment in English.', {}, 'english');
    const page = await open({ site: site.id, thread: 'english', locale: 'en' });
    let text = await widgetText(page);
    for (const s of [
      'Comments (1)',
      '1 comment',
      'Oldest first',
      'You must be logged in to comment',
      'Log in',
      'Processing of personal data',
    ])
      expect(text).toContain(s);
    expect(text).not.toMatch(/Kommentarer|Du måste/);
    await checkState(page, 'widget-english-logged-out');

    await login(page, await site.token({ sub: 'eve', name: 'Eve English' }));
    expect(await page.locator('section.k .compose .count').innerText()).toBe('300 characters left');
    await page.getByLabel('Your comment').fill('   ');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('The comment is empty.').waitFor();
    text = await widgetText(page);
    expect(text).toContain('Logged in as Eve English');
    expect(text).toContain('My data');
    await checkState(page, 'widget-english-error');

    await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/close`)
      .set(await site.bearer(MODERATOR))
      .send({ thread: 'english' });
    const closed = await open({ site: site.id, thread: 'english', locale: 'en' });
    expect(await widgetText(closed)).toContain('Closed for more comments');
    expect(await widgetText(closed)).toContain('A moderator closed the thread.');
  });

  it("when no locale is given, then the site's language is used: Swedish by default, English for an English site", async () => {
    const site = await newSite();
    const sv = await open({ site: site.id, thread: 'svenska' });
    await login(sv, await site.token());
    await sv.getByLabel('Din kommentar').fill(' \n ');
    await sv.getByRole('button', { name: 'Skicka' }).click();
    await sv.getByText('Kommentaren är tom.').waitFor();
    expect(await widgetText(sv)).toContain('Mina uppgifter');
    await checkState(sv, 'widget-swedish-error');

    const enSite = await newSite({ locale: 'en' });
    const en = await open({ site: enSite.id, thread: 'site-language' });
    expect(await widgetText(en)).toContain('You must be logged in to comment');
  });
});

describe('host page', () => {
  it('when the host page has hostile CSS and a strict CSP, then the widget keeps its own look and works, and its styles stay inside', async () => {
    const site = await newSite({ moderation: { mode: 'pre' } });
    await postDecided(suite.service, site, 'Synlig trots fientlig CSS.', {}, 'fientlig');
    const page = await suite.context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    const url = suite.host.page({
      site: site.id,
      thread: 'fientlig',
      hostileCss: true,
      strictCsp: true,
      noContainer: true,
    });
    const response = await page.goto(url);
    expect(response?.headers()['content-security-policy']).toContain(`script-src ${suite.service.origin}`);
    await page.locator('section.k h2').waitFor();

    // The hostile rules do apply to the host's own content…
    expect(await page.locator('p.host-text').evaluate((e) => getComputedStyle(e).color)).toBe('rgb(255, 0, 0)');
    // …but not inside the widget.
    const look = await page.evaluate(() => {
      const hostEl = document.querySelector('script[data-site]')?.nextElementSibling as HTMLElement;
      const root = hostEl.shadowRoot as ShadowRoot;
      const h2 = root.querySelector('h2') as HTMLElement;
      const box = hostEl.getBoundingClientRect();
      return {
        display: getComputedStyle(hostEl).display,
        visibility: getComputedStyle(hostEl).visibility,
        width: box.width,
        height: box.height,
        color: getComputedStyle(h2).color,
        size: getComputedStyle(h2).fontSize,
        background: getComputedStyle(root.querySelector('section') as Element).backgroundColor,
      };
    });
    expect(look).toMatchObject({
      display: 'block',
      visibility: 'visible',
      color: 'rgb(27, 27, 27)',
      size: '24px',
      background: 'rgb(255, 255, 255)',
    });
    expect(look.width).toBeGreaterThan(300);
    expect(look.height).toBeGreaterThan(100);
    // The widget's button styles do not leak out to the host's button.
    expect(await page.locator('button.host-button').evaluate((e) => getComputedStyle(e).borderTopColor)).toBe(
      'rgb(0, 255, 0)',
    );

    await login(page, await site.token({ sub: 'csp', name: 'Strikt Sida' }));
    expect(await page.locator('section.k textarea').isVisible()).toBe(true);
    await page.getByLabel('Din kommentar').fill('Skrivet under en strikt CSP.');
    await page.getByRole('button', { name: 'Skicka' }).click();
    await page.locator('section.k .badge', { hasText: 'Väntar på granskning' }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    expect(consoleErrors.filter((m) => /Content Security Policy/i.test(m))).toEqual([]);
    await checkState(page, 'widget-hostile-css-strict-csp', 'script[data-site] + div');
  });
});

describe('own comments, reports and my data', () => {
  it('when a commenter edits and deletes their own comments and reports another one, then the widget calls the API and shows the result', async () => {
    const site = await newSite({ editWindowMinutes: 15 });
    const token = await site.token({ sub: 'ed', name: 'Edit Ek' });
    await postDecided(suite.service, site, 'Någon annans åsikt.', { sub: 'other', name: 'Olle Annan' }, 'egna');
    await postDecided(suite.service, site, 'Min första version.', { sub: 'ed', name: 'Edit Ek' }, 'egna');
    await postDecided(suite.service, site, 'Den här ska bort.', { sub: 'ed', name: 'Edit Ek' }, 'egna');
    const page = await open({ site: site.id, thread: 'egna', token });
    expect(await page.locator('section.k h2').innerText()).toBe('Kommentarer (3)');

    const mine = page.locator('section.k .list article', { hasText: 'Min första version.' });
    await mine.getByRole('button', { name: 'Ändra' }).click();
    const edit = page.getByLabel('Ändra din kommentar');
    expect(await edit.inputValue()).toBe('Min första version.');
    await checkState(page, 'widget-edit-form');
    await edit.fill('Min andra version.');
    await page.getByRole('button', { name: 'Spara' }).click();
    const edited = page.locator('section.k .list article', { hasText: 'Min andra version.' });
    await edited.locator('.badge', { hasText: 'Väntar på granskning' }).waitFor();
    expect(await edited.innerText()).toContain('(ändrad)');
    // The edit is moderated again and published; the widget says so in its one status
    // line. Waiting for that keeps it from replacing the deletion notice below.
    await page.getByText('Din kommentar är nu publicerad.').waitFor();
    expect(await edited.locator('.badge', { hasText: 'Väntar på granskning' }).count()).toBe(0);

    const doomed = page.locator('section.k .list article', { hasText: 'Den här ska bort.' });
    await doomed.getByRole('button', { name: 'Ta bort' }).click();
    await page.getByRole('button', { name: 'Ja, ta bort' }).click();
    await page.getByText('Kommentaren är borttagen.').waitFor();
    expect(await widgetText(page)).not.toContain('Den här ska bort.');

    const others = page.locator('section.k .list article', { hasText: 'Någon annans åsikt.' });
    expect(await others.getByRole('button', { name: 'Ändra' }).count()).toBe(0);
    await others.getByRole('button', { name: 'Anmäl', exact: true }).click();
    await page.getByLabel('Anledning').selectOption('off_topic');
    await page.getByLabel('Meddelande till moderatorerna (valfritt)').fill('Handlar om något annat.');
    await checkState(page, 'widget-report-form');
    await page.getByRole('button', { name: 'Skicka anmälan' }).click();
    await page.getByText('Tack! Anmälan är skickad till moderatorerna.').waitFor();

    const queue = await suite.service.h.http
      .get(`/api/v1/sites/${site.id}/moderation/queues/reported`)
      .set(await site.bearer(MODERATOR));
    expect(
      queue.body.items.map((i: { comment: { body: string }; reports: Array<{ reason: string; note: string }> }) => [
        i.comment.body,
        i.reports[0]?.reason,
        i.reports[0]?.note,
      ]),
    ).toEqual([['Någon annans åsikt.', 'off_topic', 'Handlar om något annat.']]);
    // The edit went through moderation again (post-moderation: published again); the deleted one is gone.
    await eventually(async () => {
      const list = await suite.service.h.http.get(`/api/v1/sites/${site.id}/comments?thread=egna`);
      const bodies = list.body.comments.map((c: { body: string }) => c.body);
      return JSON.stringify(bodies) === JSON.stringify(['Någon annans åsikt.', 'Min andra version.']);
    }, WORKER_WAIT_MS);
  });

  it('when a logged-in commenter opens "Mina uppgifter", then the export and erasure buttons call the privacy endpoints', async () => {
    const site = await newSite();
    const page = await open({
      site: site.id,
      thread: 'mina-uppgifter',
      token: await site.token({ sub: 'gdpr', name: 'Greta Data' }),
    });
    await page.getByText('Mina uppgifter', { exact: true }).click();
    await checkState(page, 'widget-my-data');

    const exportRequest = page.waitForRequest(
      (r) => r.url() === `${suite.service.origin}/api/v1/sites/${site.id}/me/export` && r.method() === 'GET',
    );
    await page.getByRole('button', { name: 'Hämta mina uppgifter' }).click();
    expect((await exportRequest).headers().authorization).toMatch(/^Bearer /);

    await page.getByRole('button', { name: 'Begär radering' }).click();
    expect(await widgetText(page)).toContain('Allt som sparats om dig raderas');
    const erasureRequest = page.waitForRequest(
      (r) => r.url() === `${suite.service.origin}/api/v1/sites/${site.id}/me/erasure` && r.method() === 'POST',
    );
    await page.getByRole('button', { name: 'Ja, radera mina uppgifter' }).click();
    expect((await erasureRequest).headers().authorization).toMatch(/^Bearer /);
    // Whatever the privacy endpoints answer (they may not exist yet), the widget says so in words.
    await page.locator('section.k .mydata .status:not(:empty)').waitFor();
    await screenshot(page, 'widget-my-data-erasure');
  });
});

describe('the statement of a decision', () => {
  it('when a comment of theirs was rejected, then its author sees it marked, with the reason, its ground and who decided; other readers do not see it', async () => {
    const site = await newSite({ moderation: { mode: 'post', bannedWords: ['skräp'] } });
    const author = { sub: 'avvisad', name: 'Ava Visad' };
    await postDecided(suite.service, site, 'Ett vanligt inlägg.', { sub: 'other', name: 'Olle Annan' }, 'beslut');
    const rejected = await postDecided(suite.service, site, 'Rent skräp, helt enkelt.', author, 'beslut');
    expect(rejected.status).toBe('rejected');

    const page = await open({ site: site.id, thread: 'beslut', token: await site.token(author) });
    const own = page.locator('section.k .list article', { hasText: 'Rent skräp, helt enkelt.' });
    await own.locator('.badge', { hasText: 'Inte publicerad' }).waitFor();
    const statement = own.locator('.statement');
    await statement.getByText('Kränkande språk').waitFor();
    const text = await statement.innerText();
    expect(text).toContain('Kommentarsreglerna: skriv sakligt');
    expect(text).toContain('automatiskt');
    expect(text).toContain('Bara du ser den här kommentaren.');
    await checkState(page, 'widget-own-rejected-statement');

    const other = await open({
      site: site.id,
      thread: 'beslut',
      token: await site.token({ sub: 'läsare', name: 'L' }),
    });
    await other.getByText('Ett vanligt inlägg.').waitFor();
    expect(await widgetText(other)).not.toContain('Rent skräp');
    const anonymous = await open({ site: site.id, thread: 'beslut' });
    await anonymous.getByText('Ett vanligt inlägg.').waitFor();
    expect(await widgetText(anonymous)).not.toContain('Rent skräp');
  });
});

describe('comment counts on article lists', () => {
  it("when an article list loads count.js, then every marked element shows its thread's count from one request, under a strict CSP, in Swedish or English", async () => {
    const site = await newSite();
    await postDecided(suite.service, site, 'Om den första artikeln.', { sub: 'c1', name: 'Cilla Count' }, 'lista-1');
    await postDecided(suite.service, site, 'Också om den första.', { sub: 'c2', name: 'Carl Count' }, 'lista-1');
    await postDecided(suite.service, site, 'Om den andra artikeln.', { sub: 'c1', name: 'Cilla Count' }, 'lista-2');
    await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/close`)
      .set(await site.bearer(MODERATOR))
      .send({ thread: 'lista-2' })
      .expect(200);
    const list = (locale: 'sv' | 'en') =>
      suite.host.rawPage(
        `
<main>
<h1>${locale === 'sv' ? 'Senaste artiklarna' : 'Latest articles'}</h1>
<ul>
  <li><a href="/artikel-a">Artikel A</a> · <span data-kommentarer-count="lista-1">–</span></li>
  <li><a href="/artikel-b">Artikel B</a> · <span data-kommentarer-count="lista-2">–</span></li>
  <li><a href="/artikel-c">Artikel C</a> · <span data-kommentarer-count="lista-tom">–</span></li>
  <li><a href="/artikel-a">Artikel A igen</a> · <span data-kommentarer-count="lista-1">–</span></li>
</ul>
<script src="${suite.service.origin}/count.js" data-site="${site.id}" async></script>
</main>`,
        { lang: locale, strictCsp: true },
      );

    const page = await suite.context.newPage();
    const api = recordApi(page);
    await page.goto(list('sv'));
    const counts = () => page.locator('[data-kommentarer-count]').allInnerTexts();
    await eventually(async () => !(await counts()).includes('–'));
    expect(await counts()).toEqual(['2 kommentarer', '1 kommentar', '0 kommentarer', '2 kommentarer']);
    expect(await page.locator('[data-kommentarer-count="lista-2"]').getAttribute('data-kommentarer-status')).toBe(
      'closed',
    );
    expect(api).toEqual([`GET /api/v1/sites/${site.id}/counts`]);
    await checkState(page, 'count-article-list');

    const english = await suite.context.newPage();
    await english.goto(list('en'));
    const englishCounts = () => english.locator('[data-kommentarer-count]').allInnerTexts();
    await eventually(async () => !(await englishCounts()).includes('–'));
    expect(await englishCounts()).toEqual(['2 comments', '1 comment', '0 comments', '2 comments']);
  });
});

describe('errors and tokens', () => {
  it('when the API refuses a write, then its message is shown inline and the widget follows (closed, banned, empty, rate limited, logged out)', async () => {
    const site = await newSite({ rateLimits: { commentsPerCommenterPerMinute: 1, commentsPerIpPerMinute: 1000 } });
    const page = await open({
      site: site.id,
      thread: 'fel',
      token: await site.token({ sub: 'err', name: 'Fel Felsson' }),
    });
    const textarea = page.getByLabel('Din kommentar');
    const send = () => page.getByRole('button', { name: 'Skicka' }).click();

    await textarea.fill('Den första går bra.');
    await send();
    await page.getByText('Tack! Din kommentar väntar på granskning.').waitFor();
    await textarea.fill('Den andra är för snabb.');
    await send();
    await page.getByText('Du skickar för många kommentarer. Vänta en stund och försök igen.').waitFor();
    await checkState(page, 'widget-error-rate-limited');

    await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/moderation/users/err/ban`)
      .set(await site.bearer(MODERATOR))
      .send({ reason: 'test', reasonId: 'krankande_sprak' })
      .expect(201);
    await send();
    await page.getByText('Du är avstängd från att kommentera på den här webbplatsen.').waitFor();
    expect(await page.locator('section.k textarea').count()).toBe(0);

    const closing = await open({
      site: site.id,
      thread: 'stängs',
      token: await site.token({ sub: 'late', name: 'Sen Sensson' }),
    });
    await closing.getByLabel('Din kommentar').fill('Hinner jag?');
    await suite.service.h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/close`)
      .set(await site.bearer(MODERATOR))
      .send({ thread: 'stängs' })
      .expect(200);
    await closing.getByRole('button', { name: 'Skicka' }).click();
    await closing.locator('section.k .compose .closed', { hasText: 'Stängd för fler kommentarer' }).waitFor();
    expect(await closing.locator('section.k > .status').innerText()).toBe('Stängd för fler kommentarer.');
    await checkState(closing, 'widget-error-thread-closed');

    // An expired token and no getToken to refresh it: the first request that carries it
    // (the reader's mail choices, read on login) is refused, and the widget is logged out, with the reason.
    const expired = await site.token({ sub: 'old', name: 'Gammal Token' }, { expiresIn: -120 });
    const stale = await open({ site: site.id, thread: 'utgången' });
    await stale.evaluate(
      (t) => (window as unknown as { Kommentarer: { login(t: string): Promise<void> } }).Kommentarer.login(t),
      expired,
    );
    await stale.getByText('Inloggningen är ogiltig eller har gått ut. Logga in igen.').waitFor();
    expect(await widgetText(stale)).toContain('Du måste vara inloggad för att få kommentera');
  });

  it("when the token is refused and the host's getToken gives a fresh one, then the write succeeds without a reload; logout switches back", async () => {
    const site = await newSite({ moderation: { mode: 'pre' } });
    const fresh = await site.token({ sub: 'fresh', name: 'Färsk Token' });
    const forged = await site.token(
      { sub: 'fresh', name: 'Färsk Token' },
      { secret: 'a-different-secret-of-at-least-32-chars' },
    );
    const page = await suite.context.newPage();
    await page.addInitScript((t) => {
      (window as unknown as { Kommentarer: unknown }).Kommentarer = { getToken: async () => t };
    }, fresh);
    // The first request that carries the forged token is refused (the mail choice's read,
    // or the post itself); the widget asks getToken once and goes on with the fresh one.
    const refused: string[] = [];
    page.on('response', (r) => {
      if (r.status() === 401) refused.push(`${r.request().method()} ${new URL(r.url()).pathname}`);
    });
    await open({ site: site.id, thread: 'förnyad', token: forged }, page);
    const api = recordApi(page);
    await page.getByLabel('Din kommentar').fill('Skickad efter förnyad inloggning.');
    await page.getByRole('button', { name: 'Skicka' }).click();
    await page.locator('section.k .badge', { hasText: 'Väntar på granskning' }).waitFor();
    expect(refused).toHaveLength(1);
    expect(api.filter((r) => r.startsWith('POST')).at(-1)).toBe(`POST /api/v1/sites/${site.id}/comments`);

    await page.evaluate(() => (window as unknown as { Kommentarer: { logout(): Promise<void> } }).Kommentarer.logout());
    await page.getByText('Du måste vara inloggad för att få kommentera').waitFor();
    expect(await widgetText(page)).not.toContain('Skickad efter förnyad inloggning.');
  });
});

describe("mail about one's comments", () => {
  const choicesOf = async (siteId: string) =>
    (await MailSubscriptionModel.find({ siteId }).lean()).map((m) => ({ replies: m.replies, decisions: m.decisions }));

  it('when a commenter logged in with an address opts in next to the form, then "Mina uppgifter" shows the choice and turns it off again', async () => {
    const site = await newSite();
    const page = await open({ site: site.id, thread: 'mejl' });
    await login(page, await site.token({ sub: 'mejlare', name: 'Mejla Mig', email: 'mejla.mig@example.test' }));
    const compose = page.locator('section.k .compose fieldset.mail');
    await compose.waitFor();
    expect(await compose.locator('legend').innerText()).toBe('Mejl om dina kommentarer');
    const replies = page.locator('section.k .compose').getByLabel('Mejla mig när någon svarar på min kommentar');
    expect(await replies.isChecked()).toBe(false);
    await replies.check();
    await page.locator('section.k .compose fieldset.mail .status:not(:empty)').waitFor();
    expect(await choicesOf(site.id)).toEqual([{ replies: true, decisions: false }]);
    await checkState(page, 'widget-mail-opted-in');

    await page.getByText('Mina uppgifter', { exact: true }).click();
    const mine = page.locator('section.k .mydata').getByLabel('Mejla mig när någon svarar på min kommentar');
    expect(await mine.isChecked()).toBe(true);
    await mine.uncheck();
    await eventually(async () => (await choicesOf(site.id)).length === 0);
    await eventually(async () => (await replies.isChecked()) === false); // synced once the answer is back
    await checkState(page, 'widget-mail-my-data');
  });

  it('when the login has no address, or the site does not offer mail, then no choice is shown; an English site words it in English', async () => {
    const site = await newSite();
    const page = await open({ site: site.id, thread: 'mejl-utan' });
    const asked = page.waitForResponse((r) => r.url().endsWith('/me/mail'));
    await login(page, await site.token({ sub: 'utan', name: 'Utan Adress' }));
    await asked;
    expect(await page.locator('section.k fieldset.mail:visible').count()).toBe(0);

    const off = await newSite({ notifications: { commenterMails: false } });
    const offPage = await open({ site: off.id, thread: 'mejl-av' });
    const offAsked = offPage.waitForResponse((r) => r.url().endsWith('/me/mail'));
    await login(offPage, await off.token({ sub: 'av', name: 'Av Stängd', email: 'av@example.test' }));
    await offAsked;
    expect(await offPage.locator('section.k fieldset.mail:visible').count()).toBe(0);

    const en = await newSite({ locale: 'en' });
    const enPage = await open({ site: en.id, thread: 'mail-en' });
    await login(enPage, await en.token({ sub: 'en', name: 'English Reader', email: 'en@example.test' }));
    const decisions = enPage
      .locator('section.k .compose')
      .getByLabel('Mail me when a moderator has reviewed my comment');
    await decisions.waitFor();
    await decisions.check();
    await eventually(async () => (await choicesOf(en.id)).length === 1);
    expect(await choicesOf(en.id)).toEqual([{ replies: false, decisions: true }]);
  });
});
