import type { ReasonCatalogue } from './reason.schemas';

/**
 * The reasons a new site starts with: the offences a Swedish comment section meets most
 * (each with its provision in Brottsbalken), and the usual rules of a site's terms. A site
 * replaces them with its own through the admin API; decisions keep the id they named.
 */
export const DEFAULT_REASONS: ReasonCatalogue = {
  reasons: [
    {
      id: 'olaga_hot',
      kind: 'illegal',
      label: { sv: 'Olaga hot', en: 'Unlawful threat' },
      ground: {
        text: 'Brottsbalken 4 kap. 5 §',
        url: 'https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/brottsbalk-1962700_sfs-1962-700/',
      },
    },
    {
      id: 'hets_mot_folkgrupp',
      kind: 'illegal',
      label: { sv: 'Hets mot folkgrupp', en: 'Incitement against a group' },
      ground: {
        text: 'Brottsbalken 16 kap. 8 §',
        url: 'https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/brottsbalk-1962700_sfs-1962-700/',
      },
    },
    {
      id: 'fortal',
      kind: 'illegal',
      label: { sv: 'Förtal', en: 'Defamation' },
      ground: {
        text: 'Brottsbalken 5 kap. 1 §',
        url: 'https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/brottsbalk-1962700_sfs-1962-700/',
      },
    },
    {
      id: 'olaga_integritetsintrang',
      kind: 'illegal',
      label: { sv: 'Olaga integritetsintrång', en: 'Unlawful invasion of privacy' },
      ground: {
        text: 'Brottsbalken 4 kap. 6 c §',
        url: 'https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/brottsbalk-1962700_sfs-1962-700/',
      },
    },
    {
      id: 'personuppgifter',
      kind: 'terms',
      label: { sv: 'Personuppgifter om någon annan', en: "Someone else's personal data" },
      ground: {
        text: 'Kommentarsreglerna: skriv inte personnummer, telefonnummer, adresser eller andra personuppgifter om någon.',
      },
    },
    {
      id: 'reklam',
      kind: 'terms',
      label: { sv: 'Reklam eller spam', en: 'Advertising or spam' },
      ground: { text: 'Kommentarsreglerna: ingen reklam, inga upprepade inlägg och inga länksamlingar.' },
    },
    {
      id: 'utanfor_amnet',
      kind: 'terms',
      label: { sv: 'Utanför ämnet', en: 'Off topic' },
      ground: { text: 'Kommentarsreglerna: håll dig till artikelns ämne.' },
    },
    {
      id: 'krankande_sprak',
      kind: 'terms',
      label: { sv: 'Kränkande språk', en: 'Offensive language' },
      ground: { text: 'Kommentarsreglerna: skriv sakligt och utan personangrepp, svordomar eller skällsord.' },
    },
  ],
  rules: {
    banned_word: 'krankande_sprak',
    suspect_word: 'krankande_sprak',
    personal_data: 'personuppgifter',
    too_many_links: 'reklam',
    duplicate: 'reklam',
    burst: 'reklam',
  },
};
