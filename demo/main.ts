import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';

function $<T extends Element>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`demo: ${selector} is missing`);
  return found;
}

const analyzer = $<AudioPoolAnalyzer>('#analyzer');
const controls = $<HTMLFormElement>('#controls');
const sample = $<HTMLAudioElement>('#sample');
const canvas = $<HTMLCanvasElement>('#waveform');
const log = $<HTMLOListElement>('#log');
const drawing = canvas.getContext('2d');

let framesReceived = 0;
let waveform = new Float32Array(0);
/** The latest frame's level on channel 0, read during its dispatch. */
let rms = 0;
let peak = 0;
let drawScheduled = false;
const pauseWaveform = $<HTMLButtonElement>('#pause-waveform');
// Readers who asked for less motion get a still waveform until they press the button.
let waveformPaused = matchMedia('(prefers-reduced-motion: reduce)').matches;

function showWaveformPaused(): void {
  pauseWaveform.setAttribute('aria-pressed', String(waveformPaused));
}
showWaveformPaused();
pauseWaveform.addEventListener('click', () => {
  waveformPaused = !waveformPaused;
  showWaveformPaused();
});

function note(message: string): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${message}`;
  log.prepend(item);
  while (log.children.length > 50) log.lastElementChild?.remove();
}

function drawWaveform(): void {
  if (!drawing) return;
  const { width, height } = canvas;
  drawing.clearRect(0, 0, width, height);
  drawing.strokeStyle = getComputedStyle(canvas).color;
  drawing.lineWidth = 1.5;
  drawing.beginPath();
  for (let x = 0; x < width; x++) {
    const sampleValue = waveform[Math.floor((x / width) * waveform.length)] ?? 0;
    const y = height / 2 - sampleValue * (height / 2) * 0.95;
    if (x === 0) drawing.moveTo(x, y);
    else drawing.lineTo(x, y);
  }
  drawing.stroke();
}

analyzer.addEventListener('analysis-frame', ({ detail }) => {
  framesReceived++;
  const samples = detail.channelData[0];
  if (samples) {
    // The frame and its views are only valid during this call: copy what the next animation frame draws.
    if (waveform.length !== samples.length) waveform = new Float32Array(samples.length);
    waveform.set(samples);
  }
  rms = detail.rms[0] ?? 0;
  peak = detail.peak[0] ?? 0;
  if (!drawScheduled) {
    drawScheduled = true;
    requestAnimationFrame(() => {
      drawScheduled = false;
      if (!waveformPaused) drawWaveform();
      $<HTMLOutputElement>('#frames').value = String(framesReceived);
      $<HTMLMeterElement>('#level').value = rms;
      $<HTMLOutputElement>('#level-value').value = `rms ${rms.toFixed(3)} · peak ${peak.toFixed(3)}`;
    });
  }
});

/** What the pool holds in audio: its slots (for copy, its window of credits) times the batch. */
function showPoolDuration(): void {
  const sampleRate = analyzer.context?.sampleRate ?? 48000;
  const slots = analyzer.stats?.buffers || analyzer.poolSize;
  $<HTMLOutputElement>('#pool-ms').value = `${Math.round((slots * analyzer.batchSize * 1000) / sampleRate)} ms`;
  $<HTMLOutputElement>('#transport-active').value = analyzer.transportActive ?? '–';
}
showPoolDuration();

const startButton = $<HTMLButtonElement>('#start');
const stopButton = $<HTMLButtonElement>('#stop');

analyzer.addEventListener('state-change', ({ detail }) => {
  $<HTMLOutputElement>('#state').value = detail.state;
  startButton.disabled = detail.state === 'starting' || detail.state === 'running';
  stopButton.disabled = detail.state === 'idle' || detail.state === 'stopped' || detail.state === 'error';
  showPoolDuration();
  note(`state ${detail.previous} → ${detail.state}`);
});
analyzer.addEventListener('pool-stats', showPoolDuration);
analyzer.addEventListener('pool-exhausted', ({ detail }) => note(`pool exhausted at ${detail.time.toFixed(2)} s: skipping batches`));
analyzer.addEventListener('buffer-reclaimed', ({ detail }) =>
  note(`buffer ${detail.bufferId} reclaimed after ${Math.round(detail.ageMs)} ms`),
);
analyzer.addEventListener('analyzer-error', ({ detail }) => note(`error ${detail.code}: ${detail.message}`));

controls.addEventListener('change', (event) => {
  const input = event.target as HTMLInputElement | HTMLSelectElement;
  analyzer.setAttribute(input.name, input.value);
  showPoolDuration();
  if (input.name === 'source') {
    sample.hidden = input.value !== '#sample';
    if (input.value === '#sample') void sample.play();
    else sample.pause();
  }
});

startButton.addEventListener('click', () => {
  if (analyzer.source === '#sample') void sample.play();
  void analyzer.start();
});
stopButton.addEventListener('click', () => void analyzer.stop());
$<HTMLButtonElement>('#block').addEventListener('click', () => {
  const ms = Number($<HTMLInputElement>('#block-ms').value);
  note(`blocking the main thread for ${ms} ms`);
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Busy-wait on purpose: this is the stall the pool has to ride out.
  }
});
