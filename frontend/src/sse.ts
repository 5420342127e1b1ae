// Server-Sent Events read with fetch (EventSource cannot send an Authorization header).

export interface ServerEvent {
  event: string;
  data: string;
}

/** Splits a text stream into events; call `push` with each chunk, get the complete events. */
export class EventParser {
  private buffer = '';

  push(chunk: string): ServerEvent[] {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    const events: ServerEvent[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue; // keep-alive comment
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) events.push({ event, data: data.join('\n') });
    }
    return events;
  }
}

/**
 * Follows the stream until `signal` aborts, reconnecting with back-off when it drops, and
 * calling `onOpen` on each (re)connection so the caller can catch up on what it missed.
 */
export async function follow(
  open: (signal: AbortSignal) => Promise<Response>,
  onEvent: (event: ServerEvent) => void,
  onOpen: () => void,
  signal: AbortSignal,
): Promise<void> {
  let delay = 1000;
  while (!signal.aborted) {
    try {
      const response = await open(signal);
      if (!response.body) throw new Error('no stream');
      onOpen();
      delay = 1000;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new EventParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value).forEach(onEvent);
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error && typeof error === 'object' && 'status' in error && error.status === 401) return;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 30000);
  }
}
