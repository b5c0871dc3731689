import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';

function $<T extends Element>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`tuner: ${selector} is missing`);
  return found;
}

const NOTE_NAMES = ['C', 'C♯', 'D', 'D♯', 'E', 'F', 'F♯', 'G', 'G♯', 'A', 'A♯', 'B'];

/** The nearest equal-tempered note (A4 = 440 Hz) and how many cents the frequency is off it. */
function nearestNote(frequency: number): { name: string; cents: number } {
  const midi = 69 + 12 * Math.log2(frequency / 440);
  const nearest = Math.round(midi);
  return { name: `${NOTE_NAMES[((nearest % 12) + 12) % 12]}${Math.floor(nearest / 12) - 1}`, cents: Math.round(100 * (midi - nearest)) };
}

const analyzer = $<AudioPoolAnalyzer>('#analyzer');
const sample = $<HTMLAudioElement>('#sample');
const canvas = $<HTMLCanvasElement>('#spectrum');
const drawing = canvas.getContext('2d');
const startButton = $<HTMLButtonElement>('#start');
const stopButton = $<HTMLButtonElement>('#stop');

/** What the next animation frame shows, copied during dispatch (the arrays are reused after it). */
let spectrum = new Float32Array(0);
let pitch: number | null = null;
let levelDb = Number.NEGATIVE_INFINITY;
let sampleRate = 48000;
let drawScheduled = false;

function show(): void {
  drawScheduled = false;
  if (pitch === null) {
    $<HTMLOutputElement>('#note').value = '–';
    $<HTMLOutputElement>('#cents').value = 'no clear pitch';
    $<HTMLOutputElement>('#frequency').value = '–';
  } else {
    const { name, cents } = nearestNote(pitch);
    $<HTMLOutputElement>('#note').value = name;
    $<HTMLOutputElement>('#cents').value = `${cents > 0 ? '+' : ''}${cents} cents`;
    $<HTMLOutputElement>('#frequency').value = `${pitch.toFixed(1)} Hz`;
    $<HTMLMeterElement>('#cents-meter').value = cents;
  }
  $<HTMLOutputElement>('#level').value = Number.isFinite(levelDb) ? `${levelDb.toFixed(1)} dBFS` : 'silence';
  drawSpectrum();
}

function drawSpectrum(): void {
  if (!drawing || spectrum.length === 0) return;
  const { width, height } = canvas;
  const [floor, ceiling] = [analyzer.minDecibels, analyzer.maxDecibels];
  const y = (db: number) => height - ((db - floor) / (ceiling - floor)) * height;
  // Up to 5 kHz, where a voice or an instrument's fundamental lives.
  const bins = Math.min(spectrum.length, Math.ceil((5000 * 2 * spectrum.length) / sampleRate));
  let peak = 0;
  drawing.clearRect(0, 0, width, height);
  drawing.strokeStyle = getComputedStyle(canvas).color;
  drawing.beginPath();
  for (let bin = 0; bin < bins; bin++) {
    const level = spectrum[bin] as number;
    if (level > (spectrum[peak] as number)) peak = bin;
    const x = (bin / bins) * width;
    if (bin === 0) drawing.moveTo(x, y(level));
    else drawing.lineTo(x, y(level));
  }
  drawing.stroke();
  const peakX = (peak / bins) * width;
  drawing.fillStyle = 'crimson';
  drawing.fillRect(peakX - 1, 0, 2, height);
  drawing.fillText(`${Math.round((peak * sampleRate) / (2 * spectrum.length))} Hz`, Math.min(peakX + 4, width - 60), 12);
}

analyzer.addEventListener('analysis-frame', ({ detail }) => {
  sampleRate = detail.sampleRate;
  pitch = detail.pitch;
  levelDb = detail.rmsDb?.[0] ?? Number.NEGATIVE_INFINITY;
  if (detail.spectrum) {
    if (spectrum.length !== detail.spectrum.length) spectrum = new Float32Array(detail.spectrum.length);
    spectrum.set(detail.spectrum);
  }
  if (!drawScheduled) {
    drawScheduled = true;
    requestAnimationFrame(show);
  }
});

analyzer.addEventListener('state-change', ({ detail }) => {
  $<HTMLOutputElement>('#state').value = detail.state;
  startButton.disabled = detail.state === 'starting' || detail.state === 'running';
  stopButton.disabled = detail.state === 'idle' || detail.state === 'stopped' || detail.state === 'error';
});
analyzer.addEventListener('analyzer-error', ({ detail }) => {
  $<HTMLParagraphElement>('#error').textContent = `${detail.code}: ${detail.message}`;
});

$<HTMLFormElement>('#controls').addEventListener('change', (event) => {
  const input = event.target as HTMLSelectElement;
  analyzer.setAttribute(input.name, input.value);
  if (input.name === 'source') {
    sample.hidden = input.value !== '#sample';
    if (input.value === '#sample') void sample.play();
    else sample.pause();
  }
});
startButton.addEventListener('click', () => {
  $<HTMLParagraphElement>('#error').textContent = '';
  if (analyzer.source === '#sample') void sample.play();
  void analyzer.start();
});
stopButton.addEventListener('click', () => void analyzer.stop());
