import { Router } from 'express';
import { requireAdminKey } from '../../http/auth';
import { parseOrThrow } from '../../shared/validate';
import type { SiteService } from '../sites/site.service';
import type { WebhookService } from './webhook.service';
import { createWebhookBody, deliveriesQuery, patchWebhookBody } from './webhook.schemas';
import { attemptView, deliveryView, webhookView } from './webhook.view';

export interface WebhookRouteDeps {
  sites: SiteService;
  webhooks: WebhookService;
  adminKey: string;
}

const BASE = '/api/v1/admin/sites/:site/webhooks';

/** The admin's webhook endpoints (api.md 1.1, docs/api.md "Webhooks"). */
export function webhookRoutes({ sites, webhooks, adminKey }: WebhookRouteDeps): Router {
  const router = Router();
  router.use('/api/v1/admin', requireAdminKey(adminKey));

  router.post(BASE, async (req, res) => {
    const site = await sites.get(req.params.site);
    const body = parseOrThrow(createWebhookBody, req.body);
    const { webhook, secret } = await webhooks.create(site.id, body);
    res.status(201).json({ webhook: { ...webhookView(webhook), secret } });
  });

  router.get(BASE, async (req, res) => {
    const site = await sites.get(req.params.site);
    const list = await webhooks.list(site.id);
    res.json({ webhooks: list.map(({ webhook, health }) => webhookView(webhook, health)) });
  });

  router.get(`${BASE}/:id`, async (req, res) => {
    const site = await sites.get(req.params.site);
    const webhook = await webhooks.get(site.id, req.params.id);
    res.json({ webhook: webhookView(webhook, await webhooks.health(webhook._id)) });
  });

  router.patch(`${BASE}/:id`, async (req, res) => {
    const site = await sites.get(req.params.site);
    const body = parseOrThrow(patchWebhookBody, req.body);
    const webhook = await webhooks.patch(site.id, req.params.id, body);
    res.json({ webhook: webhookView(webhook, await webhooks.health(webhook._id)) });
  });

  router.delete(`${BASE}/:id`, async (req, res) => {
    const site = await sites.get(req.params.site);
    await webhooks.remove(site.id, req.params.id);
    res.status(204).end();
  });

  router.post(`${BASE}/:id/rotate-secret`, async (req, res) => {
    const site = await sites.get(req.params.site);
    res.json({ secret: await webhooks.rotateSecret(site.id, req.params.id) });
  });

  router.post(`${BASE}/:id/test`, async (req, res) => {
    const site = await sites.get(req.params.site);
    res.status(202).json({ delivery: deliveryView(await webhooks.ping(site.id, req.params.id)) });
  });

  router.get(`${BASE}/:id/deliveries`, async (req, res) => {
    const site = await sites.get(req.params.site);
    const query = parseOrThrow(deliveriesQuery, req.query);
    const page = await webhooks.attempts(site.id, req.params.id, query);
    res.json({ deliveries: page.attempts.map(attemptView), nextCursor: page.nextCursor });
  });

  router.post(`${BASE}/:id/deliveries/:deliveryId/redeliver`, async (req, res) => {
    const site = await sites.get(req.params.site);
    const delivery = await webhooks.redeliver(site.id, req.params.id, req.params.deliveryId);
    res.status(202).json({ delivery: deliveryView(delivery) });
  });

  return router;
}
