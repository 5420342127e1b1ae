import { useEffect, useRef, useState } from 'react';
import type { FileRecord } from '../api';
import { domainOf } from '../listing';

/** Loads a file's thumbnail; `null` when it has none. */
export type ThumbnailLoader = (id: string) => Promise<Blob | null>;

// A file's thumbnail never changes: each is fetched once a session, however often rows redraw.
const loaded = new Map<string, Promise<string | null>>();

function thumbnailUrl(id: string, load: ThumbnailLoader): Promise<string | null> {
  let url = loaded.get(id);
  if (!url) {
    url = Promise.resolve()
      .then(() => load(id))
      .then(
        (blob) => (blob ? URL.createObjectURL(blob) : null),
        () => {
          loaded.delete(id); // A failed fetch is tried again when the row next shows.
          return null;
        },
      );
    loaded.set(id, url);
  }
  return url;
}

/**
 * The page's first screen for a done file, fetched once the row scrolls into view; until then,
 * and for files without one, the initial of its site. Decorative: the row names the file.
 */
export function Thumbnail({ file, load }: { file: FileRecord; load?: ThumbnailLoader }) {
  const box = useRef<HTMLSpanElement>(null);
  const [url, setUrl] = useState<string | null>(null);
  const wanted = Boolean(load) && file.status === 'done' && file.engine === 'chromium';

  useEffect(() => {
    if (!wanted || !load || !box.current) return;
    let live = true;
    const show = () =>
      void thumbnailUrl(file.id, load).then((found) => {
        if (live) setUrl(found);
      });
    if (typeof IntersectionObserver === 'undefined') {
      show();
      return () => {
        live = false;
      };
    }
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        show();
      }
    });
    observer.observe(box.current);
    return () => {
      live = false;
      observer.disconnect();
    };
  }, [file.id, wanted, load]);

  return (
    <span ref={box} className={`file-icon${url ? ' file-thumb' : ''}`} aria-hidden="true">
      {url ? <img src={url} alt="" /> : domainOf(file.source_url).charAt(0).toUpperCase() || '?'}
    </span>
  );
}
