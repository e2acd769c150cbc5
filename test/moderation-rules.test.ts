import { countLinks } from '../src/modules/moderation/rules/links';
import { findPersonalData } from '../src/modules/moderation/rules/personal-data';
import { compileWordList } from '../src/modules/moderation/rules/word-matcher';

describe('word matcher', () => {
  const skrap = compileWordList(['skräp']);

  it('when the word stands alone in any case or with punctuation, then it matches', () => {
    expect(skrap.find('Det här är skräp!')).toEqual(['skräp']);
    expect(skrap.find('Vilket SKRÄP')).toEqual(['skräp']);
    expect(skrap.find('Skräp, rent ut sagt.')).toEqual(['skräp']);
    expect(skrap.find('"skräp"')).toEqual(['skräp']);
  });

  it('when the word is only part of a longer word, then it does not match', () => {
    expect(skrap.find('Det var lite skräpigt')).toEqual([]);
    expect(skrap.find('skräpig')).toEqual([]);
    expect(skrap.find('oskräp')).toEqual([]);
    expect(skrap.find('skräp2')).toEqual([]);
  });

  it('when the text is in NFD form, then it matches the NFC entry', () => {
    expect(skrap.find('Det här är skra\u0308p')).toEqual(['skräp']);
  });

  it('when the entry is in NFD form, then it matches NFC text', () => {
    expect(compileWordList(['skra\u0308p']).find('Vilket skräp')).toEqual(['skra\u0308p']);
  });

  it('when letters are repeated, then it still matches', () => {
    expect(skrap.find('skrääääp')).toEqual(['skräp']);
    expect(skrap.find('sskräp')).toEqual(['skräp']);
    expect(skrap.find('SSSKRRRÄÄÄPPP!!!')).toEqual(['skräp']);
  });

  it('when an entry has a double letter, then a single letter does not match it', () => {
    const matcher = compileWordList(['ass']);
    expect(matcher.find('as')).toEqual([]);
    expect(matcher.find('ass')).toEqual(['ass']);
    expect(matcher.find('asss')).toEqual(['ass']);
  });

  it('when separators stand between the letters, then it still matches', () => {
    expect(skrap.find('s.k.r.ä.p')).toEqual(['skräp']);
    expect(skrap.find('Så mycket skr-äp')).toEqual(['skräp']);
    expect(skrap.find('s_k_r_ä_p')).toEqual(['skräp']);
    expect(skrap.find('s*k*r*ä*p')).toEqual(['skräp']);
    expect(skrap.find('s·k·r·ä·p')).toEqual(['skräp']);
    expect(skrap.find('S.K.R.Ä.Ä.P!')).toEqual(['skräp']);
  });

  it('when punctuation follows the word, then it is a word boundary even if letters follow', () => {
    // Documented consequence of the boundary rule: hyphenated compounds match their parts.
    expect(skrap.find('Rent skräp-tv')).toEqual(['skräp']);
  });

  it('when the entry ends in *, then it matches words starting with it', () => {
    const matcher = compileWordList(['skräp*']);
    expect(matcher.find('skräpig')).toEqual(['skräp*']);
    expect(matcher.find('Skräpet låg kvar')).toEqual(['skräp*']);
    expect(matcher.find('skräp')).toEqual(['skräp*']);
    expect(matcher.find('oskräpig')).toEqual([]);
  });

  it('when the entry is a phrase, then any white space between its words matches', () => {
    const matcher = compileWordList(['dra åt skogen']);
    expect(matcher.find('Du kan dra åt skogen!')).toEqual(['dra åt skogen']);
    expect(matcher.find('DRA  ÅT\nSKOGEN')).toEqual(['dra åt skogen']);
    expect(matcher.find('dra åt skogsbrynet')).toEqual([]);
    expect(matcher.find('dra åt')).toEqual([]);
  });

  it('when several entries occur, then each is returned as configured, in list order', () => {
    const matcher = compileWordList(['Idiot', 'skräp', 'tönt', 'skräp']);
    expect(matcher.find('skräp och IDIOT')).toEqual(['Idiot', 'skräp']);
  });

  it('when entries are empty or only white space or *, then they are ignored', () => {
    const matcher = compileWordList(['', '   ', '*', 'skräp']);
    expect(matcher.find('allt möjligt skräp')).toEqual(['skräp']);
    expect(matcher.find('')).toEqual([]);
  });

  it('when an entry holds regex metacharacters, then they match literally', () => {
    const matcher = compileWordList(['(a+)+$', 'c++', 'a|b']);
    expect(matcher.find('(a+)+$')).toEqual(['(a+)+$']);
    expect(matcher.find('aaaa')).toEqual([]);
    expect(matcher.find('jag gillar c++')).toEqual(['c++']);
    expect(matcher.find('a')).toEqual([]);
  });

  it('when the text is pathological for backtracking, then matching still finishes', () => {
    const matcher = compileWordList(['skräp', 'aaaaaaaaab', 'a a a a b', 'aa*', 'ass']);
    const inputs = [
      'a'.repeat(300),
      'a.'.repeat(150),
      's' + '.'.repeat(299),
      's.'.repeat(150),
      '.-_*'.repeat(75),
      'a '.repeat(150),
      'a-'.repeat(149) + '!',
      'ä'.repeat(299) + 'x',
    ];
    for (const input of inputs) expect(Array.isArray(matcher.find(input))).toBe(true);
  });
});

describe('personal data', () => {
  it('when the text has no personal data, then nothing is found', () => {
    expect(findPersonalData('Tack för ett bra möte i kommunen!')).toEqual([]);
  });

  describe('e-mail', () => {
    it('when an e-mail address is written, then it is found', () => {
      expect(findPersonalData('Mejla mig på kalle.anka@exempel.se')).toEqual(['email']);
      expect(findPersonalData('åsa.öberg@myndigheten.se')).toEqual(['email']);
    });

    it('when an @ is used otherwise, then no e-mail is found', () => {
      expect(findPersonalData('Hej @ alla, vi ses @kalle')).toEqual([]);
    });
  });

  describe('phone numbers', () => {
    it.each([
      'Ring mig på 070-123 45 67',
      'Mobil: 0701234567',
      'Ring 070 123 45 67 i kväll',
      'Växeln 08-123 456 78',
      'Nås på +46 70 123 45 67',
      '+46701234567',
      '0046 70 123 45 67',
      'Ring +1 202 555 0143',
      'London: +44 20 7946 0958',
    ])('when the text is "%s", then a phone number is found', (text) => {
      expect(findPersonalData(text)).toEqual(['phone']);
    });

    it.each([
      'Det hände år 2024',
      'Det kostar 1 500 kr',
      'Ring 112 vid nödläge',
      'Ring 1177 för vårdråd',
      'Mötet är 2024-05-01',
      'Mellan 1994–2024 bodde jag här',
      'Ärendenummer 20240501',
    ])('when the text is "%s", then no phone number is found', (text) => {
      expect(findPersonalData(text)).toEqual([]);
    });
  });

  describe('personal identity numbers', () => {
    it.each(['Mitt personnummer är 811228-9874', '198112289874', 'pnr 8112289874.', '19811228-9874'])(
      'when the text is "%s", then a personal identity number is found',
      (text) => {
        expect(findPersonalData(text)).toEqual(['personal_identity_number']);
      },
    );

    it('when the checksum is wrong, then nothing is found', () => {
      expect(findPersonalData('Mitt personnummer är 811228-9875')).toEqual([]);
    });

    it('when the month is invalid, then nothing is found', () => {
      expect(findPersonalData('Mitt personnummer är 811328-9874')).toEqual([]);
    });

    it('when the number is part of a longer digit string, then nothing is found', () => {
      expect(findPersonalData('Referens 98112289874')).not.toContain('personal_identity_number');
    });

    it('when a co-ordination number is written, then it is its own kind', () => {
      expect(findPersonalData('Samordningsnummer 701063-2391')).toEqual(['coordination_number']);
    });
  });

  describe('payment cards', () => {
    it('when a card number passes Luhn, then it is found', () => {
      expect(findPersonalData('Kortnummer 4111 1111 1111 1111')).toEqual(['payment_card']);
      expect(findPersonalData('5555-5555-5555-4444')).toEqual(['payment_card']);
      expect(findPersonalData('4111111111111111')).toEqual(['payment_card']);
    });

    it('when a card number is followed by other digit groups, then it is still found', () => {
      expect(findPersonalData('Kort 4111 1111 1111 1111 123')).toEqual(['payment_card']);
    });

    it('when a 16-digit number fails Luhn, then nothing is found', () => {
      expect(findPersonalData('Kortnummer 4111 1111 1111 1112')).toEqual([]);
    });
  });

  describe('IBAN', () => {
    it.each([
      'Betala till SE45 5000 0000 0583 9825 7466',
      'SE4550000000058398257466',
      'IBAN DE89 3704 0044 0532 0130 00.',
    ])('when the text is "%s", then an IBAN is found (and not a card)', (text) => {
      expect(findPersonalData(text)).toEqual(['iban']);
    });

    it('when words follow the IBAN, then it is still found', () => {
      expect(findPersonalData('IBAN: SE45 5000 0000 0583 9825 7466 OBS viktigt')).toEqual(['iban']);
    });

    it('when the check digits are wrong, then nothing is found', () => {
      expect(findPersonalData('Betala till SE46 5000 0000 0583 9825 7466')).toEqual([]);
    });
  });

  it('when several kinds occur, then each is reported once in a fixed order', () => {
    const text =
      'Kontakta mig: 811228-9874, 070-123 45 67, kalle@exempel.se, 4111 1111 1111 1111, ' +
      'SE45 5000 0000 0583 9825 7466 och ring igen 08-123 456 78';
    expect(findPersonalData(text)).toEqual(['email', 'phone', 'personal_identity_number', 'payment_card', 'iban']);
  });

  it('when the text is pathological for backtracking, then detection still finishes', () => {
    const inputs = [
      '1 '.repeat(150),
      '1-'.repeat(150),
      'AB12 '.repeat(60),
      'a@'.repeat(150),
      'a.'.repeat(149) + '@',
      '0'.repeat(300),
      'x@' + 'a.'.repeat(149),
      '4'.repeat(300),
    ];
    for (const input of inputs) expect(Array.isArray(findPersonalData(input))).toBe(true);
  });
});

describe('links', () => {
  it('when the text has URLs, www addresses or bare domains, then each counts', () => {
    expect(countLinks('Läs mer på https://x.se/a')).toBe(1);
    expect(countLinks('Se www.example.se')).toBe(1);
    expect(countLinks('Gå till example.com.')).toBe(1);
    expect(countLinks('https://a.se och http://b.se/x?y=1 och www.c.se')).toBe(3);
  });

  it('when the text has an e-mail address, then it is not a link', () => {
    expect(countLinks('Mejla kalle@example.com')).toBe(0);
  });

  it('when the text has no links, then the count is zero', () => {
    expect(countLinks('Hej! Bra jobbat, t.ex. med 1.5 miljoner.')).toBe(0);
  });
});
