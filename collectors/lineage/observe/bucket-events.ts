import { Readable } from 'node:stream';
import { bucketReader, type RemoteSettings, withoutTrailingSlash } from '../../../src/store/remote/bucket.js';
import { EVENT_FILES, type EventText, eventTexts } from './event-texts.js';

export interface BucketEventFile {
  /** `s3://bucket/prefix/key`, as invalid events are cited. */
  url: string;
  texts: AsyncGenerator<EventText>;
}

/** The event objects under a bucket prefix, in key order, each streamed line by line as it is read. */
export async function* bucketEventFiles(prefix: string, settings: RemoteSettings): AsyncGenerator<BucketEventFile> {
  const reader = await bucketReader(prefix, settings);
  const base = withoutTrailingSlash(prefix);
  try {
    const keys: string[] = [];
    for await (const key of reader.list('')) if (EVENT_FILES.test(key)) keys.push(key);
    for (const key of keys) {
      // An object deleted between the listing and the read has no events left to fold.
      const open = async () => (await reader.open(key)) ?? Readable.from([]);
      yield { url: `${base}/${key}`, texts: eventTexts(open, key) };
    }
  } finally {
    await reader.close();
  }
}
