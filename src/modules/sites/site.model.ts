import mongoose, { Schema } from 'mongoose';
import { siteChangesPlugin } from '../../infra/site-changes';
import type { ReasonCatalogue } from '../reasons/reason.schemas';
import type { SiteConfig } from './site.schemas';

/** A host website. The configuration is validated by zod before it is stored. */
export interface SiteDoc {
  _id: string;
  config: SiteConfig;
  /** The reasons decisions name; absent until the site sets its own (then the defaults apply). */
  reasons?: ReasonCatalogue;
  createdAt: Date;
  updatedAt: Date;
}

const siteSchema = new Schema<SiteDoc>(
  {
    _id: { type: String, required: true },
    config: { type: Schema.Types.Mixed, required: true },
    reasons: { type: Schema.Types.Mixed, default: undefined },
  },
  { timestamps: true, versionKey: false, minimize: false },
);

// What readers get includes the site's configuration (the widget's view, CORS origins):
// its changes renew the site's page generation like changes of comments do.
siteSchema.plugin(siteChangesPlugin, { siteField: '_id' });

export const SiteModel = mongoose.model<SiteDoc>('Site', siteSchema, 'sites');
