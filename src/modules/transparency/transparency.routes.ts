import { Router } from 'express';
import { requireAdminKey } from '../../http/auth';
import { parseOrThrow } from '../../shared/validate';
import type { SiteService } from '../sites/site.service';
import { countFigures } from './transparency-figures';
import { fileStamp, figuresCsv } from './transparency.csv';
import { resolveWindow, transparencyQuery } from './transparency.schemas';

export interface TransparencyRouteDeps {
  sites: SiteService;
  adminKey: string;
}

/** The site's transparency figures (api.md 1.1 "Transparency"; README "Transparency figures"). */
export function transparencyRoutes({ sites, adminKey }: TransparencyRouteDeps): Router {
  const router = Router();
  router.use('/api/v1/admin', requireAdminKey(adminKey));

  router.get('/api/v1/admin/sites/:site/transparency', async (req, res) => {
    const site = await sites.get(req.params.site);
    const window = resolveWindow(parseOrThrow(transparencyQuery, req.query));
    const figures = await countFigures(site.id, window);
    res.vary('Accept');
    // JSON unless CSV is asked for: a client that accepts neither still gets the figures, not a 406.
    if (req.accepts(['application/json', 'text/csv']) !== 'text/csv') {
      res.json(figures);
      return;
    }
    const name = `transparency-${site.id}-${fileStamp(window.from)}-${fileStamp(window.to)}.csv`;
    res.type('text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.send(figuresCsv(figures));
  });

  return router;
}
