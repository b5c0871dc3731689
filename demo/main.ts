import { CaptureSession, DEFAULT_CONFIG, DEFAULT_WORKLET_URL, PROCESSOR_NAME, PROTOCOL_VERSION, type Transport } from '../src/index.js';

const startButton = document.querySelector<HTMLButtonElement>('#start');
const stopButton = document.querySelector<HTMLButtonElement>('#stop');
const transportSelect = document.querySelector<HTMLSelectElement>('#transport');
const level = document.querySelector<HTMLMeterElement>('#level');
const rmsOutput = document.querySelector<HTMLOutputElement>('#rms');
const statsView = document.querySelector<HTMLPreElement>('#stats');

let context: AudioContext | null = null;
let session: CaptureSession | null = null;

async function start(): Promise<void> {
  if (!startButton || !stopButton || !transportSelect || !statsView) return;
  startButton.disabled = true;
  context = new AudioContext();
  await context.audioWorklet.addModule(DEFAULT_WORKLET_URL);
  const config = { ...DEFAULT_CONFIG, transport: transportSelect.value as Transport };
  const node = new AudioWorkletNode(context, PROCESSOR_NAME, { processorOptions: { protocolVersion: PROTOCOL_VERSION, config } });
  new OscillatorNode(context, { frequency: 440 }).connect(new GainNode(context, { gain: 0.5 })).connect(node);
  node.connect(context.destination);
  session = new CaptureSession(node.port, context.sampleRate, config, {
    frame: ({ rms }) => {
      if (level) level.value = rms[0] ?? 0;
      if (rmsOutput) rmsOutput.value = (rms[0] ?? 0).toFixed(4);
    },
    stats: (stats) => {
      statsView.textContent = JSON.stringify(stats, null, 2);
    },
  });
  await context.resume();
  stopButton.disabled = false;
}

async function stop(): Promise<void> {
  await session?.stop();
  session?.dispose();
  await context?.close();
  session = null;
  context = null;
  if (startButton) startButton.disabled = false;
  if (stopButton) stopButton.disabled = true;
}

startButton?.addEventListener('click', () => void start());
stopButton?.addEventListener('click', () => void stop());
transportSelect?.addEventListener('change', () => session?.configure({ transport: transportSelect.value as Transport }));
