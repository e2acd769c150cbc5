import mongoose, { Schema } from 'mongoose';
import type { SiteConfig } from './site.schemas';

/** A host website. The configuration is validated by zod before it is stored. */
export interface SiteDoc {
  _id: string;
  config: SiteConfig;
  createdAt: Date;
  updatedAt: Date;
}

const siteSchema = new Schema<SiteDoc>(
  {
    _id: { type: String, required: true },
    config: { type: Schema.Types.Mixed, required: true },
  },
  { timestamps: true, versionKey: false, minimize: false },
);

export const SiteModel = mongoose.model<SiteDoc>('Site', siteSchema, 'sites');
