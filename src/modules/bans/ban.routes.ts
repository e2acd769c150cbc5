import { Router } from 'express';
import { requireModerator } from '../auth/guards';
import { parseOrThrow } from '../../shared/validate';
import type { CommenterService } from '../commenters/commenter.service';
import { moderatorActor } from '../moderation-log/moderation-log.service';
import type { SiteService } from '../sites/site.service';
import { requireReason } from '../reasons/reason-lookup';
import { banBody, banUntil, subParam } from './ban.schemas';
import type { BanService } from './ban.service';
import { banView } from './ban.view';

export interface BanRouteDeps {
  sites: SiteService;
  commenters: CommenterService;
  bans: BanService;
}

/** Banning and unbanning a commenter by host user id (role moderator/admin on the site). */
export function banRoutes({ sites, commenters, bans }: BanRouteDeps): Router {
  const router = Router();
  const path = '/api/v1/sites/:site/moderation/users/:sub/ban';

  router.post(path, async (req, res) => {
    const site = await sites.get(req.params.site as string);
    const identity = await requireModerator(site, req);
    const sub = parseOrThrow(subParam, req.params.sub);
    const body = parseOrThrow(banBody, req.body);
    const until = banUntil(body.until);
    const { id: reasonId } = requireReason(site, body.reasonId);
    const actor = await moderatorActor(commenters, identity);
    const ban = await bans.ban(site.id, sub, { reason: body.reason, reasonId }, until, actor);
    res.status(201).json({ ban: banView(ban) });
  });

  router.delete(path, async (req, res) => {
    const site = await sites.get(req.params.site as string);
    const identity = await requireModerator(site, req);
    const sub = parseOrThrow(subParam, req.params.sub);
    await bans.lift(site.id, sub, await moderatorActor(commenters, identity));
    res.status(204).end();
  });

  return router;
}
