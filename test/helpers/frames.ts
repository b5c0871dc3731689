import { fixture, html } from '@open-wc/testing';

/**
 * Puts an iframe of `src` on the fixture and resolves once its page has loaded. The listener is in
 * place before the frame starts loading: a page the server has cached can load before a listener
 * added after fixture() would be (seen in WebKit).
 */
export async function loadedFrame(src: string, attributes: { title: string; style?: string }): Promise<HTMLIFrameElement> {
  const iframe = document.createElement('iframe');
  iframe.title = attributes.title;
  if (attributes.style) iframe.setAttribute('style', attributes.style);
  const loaded = new Promise((resolve) => iframe.addEventListener('load', resolve, { once: true }));
  iframe.src = src;
  await fixture(html`${iframe}`);
  await loaded;
  return iframe;
}
