import { Types } from 'mongoose';
import type { CommentDoc } from '../src/modules/comments/comment.model';
import { toCommentView } from '../src/modules/comments/comment.view';

const AUTHOR = new Types.ObjectId();
const PARENT = new Types.ObjectId();
const names = new Map([[String(AUTHOR), 'Anna Andersson']]);

function stored(overrides: Partial<CommentDoc> = {}): CommentDoc {
  return {
    _id: new Types.ObjectId(),
    siteId: 'demo',
    threadKey: '/artikel/1',
    parentId: null,
    authorId: AUTHOR,
    body: 'Bra skrivet!',
    status: 'published',
    revision: 1,
    version: 1,
    held: false,
    rules: [],
    withheld: false,
    reasonId: null,
    decidedAt: null,
    decidedBy: null,
    ipHash: 'ip-hash',
    createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    editedAt: null,
    updatedAt: new Date(),
    ...overrides,
  };
}

describe('a comment as readers get it', () => {
  it('when a published comment is shaped, then readers get its id, thread, parent, author name, text, status and times, and nothing stored beside', () => {
    const doc = stored({ parentId: PARENT, editedAt: new Date(Date.UTC(2026, 0, 2, 4, 0, 0)) });
    expect(toCommentView(doc, names, null)).toEqual({
      id: String(doc._id),
      thread: '/artikel/1',
      parentId: String(PARENT),
      author: { name: 'Anna Andersson' },
      body: 'Bra skrivet!',
      status: 'published',
      createdAt: '2026-01-02T03:04:05.000Z',
      editedAt: '2026-01-02T04:00:00.000Z',
      mine: false,
    });
  });

  it('when a comment is removed, then others see a tombstone: no text and no author, even when the name is known', () => {
    expect(toCommentView(stored({ status: 'removed' }), names, null)).toMatchObject({
      status: 'removed',
      body: '',
      author: null,
    });
    expect(toCommentView(stored({ status: 'removed' }), names, new Types.ObjectId())).toMatchObject({
      body: '',
      author: null,
      mine: false,
    });
    expect(toCommentView(stored({ status: 'removed' }), names, null).decision).toBeUndefined();
  });

  it('when a moderator removed a comment and kept it for its author, then the author sees it whole with the decision', () => {
    const removed = stored({ status: 'removed', reasonId: 'reklam', decidedBy: String(new Types.ObjectId()) });
    expect(toCommentView(removed, names, AUTHOR)).toMatchObject({
      status: 'removed',
      body: 'Bra skrivet!',
      author: { name: 'Anna Andersson' },
      mine: true,
      decision: { reasonId: 'reklam', by: 'moderator' },
    });
  });

  it("when the author's name is gone (erased) or there is no author, then the author is null and the text stays", () => {
    expect(toCommentView(stored(), new Map(), null)).toMatchObject({ author: null, body: 'Bra skrivet!' });
    expect(toCommentView(stored({ authorId: null }), names, null)).toMatchObject({
      author: null,
      body: 'Bra skrivet!',
    });
  });

  it('when the reader is the author, then mine is true; for anyone else, nobody, or a comment without author, false', () => {
    expect(toCommentView(stored(), names, new Types.ObjectId(String(AUTHOR))).mine).toBe(true);
    expect(toCommentView(stored(), names, new Types.ObjectId()).mine).toBe(false);
    expect(toCommentView(stored(), names, null).mine).toBe(false);
    expect(toCommentView(stored({ authorId: null }), names, AUTHOR).mine).toBe(false);
  });
});
