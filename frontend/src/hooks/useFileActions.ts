import { useState } from 'react';
import type { Api, FileRecord } from '../api';
import { copyText, openInNewTab, openLink, saveBlob } from '../browser';
import { downloadName } from '../format';
import type { Message } from './useLibrary';

/** What can be done with a file from the list, each failure told to `report`. */
export function useFileActions(api: Api, report: (error: unknown) => void, say: (message: Message) => void) {
  const [exporting, setExporting] = useState(false);

  async function download(file: FileRecord) {
    try {
      const pdf = await api.download(file.id);
      // S3 serves it as an attachment under its name.
      if ('blob' in pdf) saveBlob(pdf.blob, downloadName(file.name));
      else openLink(pdf.link);
    } catch (error) {
      report(error);
    }
  }

  /** The PDF in a new tab, in the browser's own viewer, through a short-lived view link: a
   *  real address, so the tab can be reloaded, bookmarked for a while, or saved. */
  async function open(file: FileRecord) {
    try {
      const { url } = await api.viewLink(file.id);
      openInNewTab(url);
    } catch (error) {
      report(error);
    }
  }

  async function copyLink(file: FileRecord) {
    if (await copyText(file.source_url)) say({ kind: 'info', text: 'Page URL copied.' });
    else say({ kind: 'error', text: 'Your browser did not allow copying; the page is linked under the file name.' });
  }

  async function exportLibrary() {
    setExporting(true);
    say({ kind: 'info', text: 'Preparing your library…' });
    try {
      const archive = await api.exportLibrary();
      saveBlob(archive, `folio-${new Date().toISOString().slice(0, 10)}.zip`);
      say({ kind: 'info', text: 'Your library was exported.' });
    } catch (error) {
      report(error);
    } finally {
      setExporting(false);
    }
  }

  return { download, open, copyLink, exportLibrary, exporting };
}
