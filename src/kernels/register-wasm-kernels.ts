/**
 * Registers this project's fixes for the tfjs-backend-wasm 4.22 kernel set:
 *  - Conv2DBackpropFilter (missing: training any conv layer threw),
 *  - MaxPoolGrad (the stock kernel misroutes gradients; see wasm-max-pool-grad.ts),
 *  - Conv2DBackpropInput (stride-1 XNNPACK fast path; stock kernel for the rest),
 *  - UnsortedSegmentSum (missing: the gradient of gather).
 * Kernel registration is global (tfjs-core's kernel registry, keyed by
 * backend name), so this works before or after the wasm backend initialises.
 * Only the Conv2DBackpropInput config has a setupFunc: the stock kernel's,
 * for its fallback path.
 */
import tf = require('@tensorflow/tfjs-core');
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { wasmConv2dBackpropFilterConfig } from './wasm-conv2d-backprop-filter.js';
import { createWasmConv2dBackpropInputConfig } from './wasm-conv2d-backprop-input.js';
import { wasmMaxPoolGradConfig } from './wasm-max-pool-grad.js';
import { wasmUnsortedSegmentSumConfig } from './wasm-unsorted-segment-sum.js';

const { getKernel, registerKernel, unregisterKernel } = tf;

/** Stock wasm kernels this module replaced, by kernel name. */
const stockKernels = new Map<string, KernelConfig>();
let registeredOnce = false;

function ourConfigs(): KernelConfig[] {
  const stockBackpropInput = getKernel('Conv2DBackpropInput', 'wasm');
  if (getKernel('Conv2D', 'wasm') === undefined || stockBackpropInput === undefined) {
    // Importing the wasm backend later would re-register its stock kernels over ours.
    throw new Error("registerWasmKernels() needs the wasm kernels: import '@tensorflow/tfjs-backend-wasm' first");
  }
  return [
    wasmConv2dBackpropFilterConfig,
    wasmMaxPoolGradConfig,
    wasmUnsortedSegmentSumConfig,
    createWasmConv2dBackpropInputConfig(stockBackpropInput),
  ];
}

/**
 * Registers the kernels above for the 'wasm' backend, replacing stock ones
 * (without tfjs's "already registered" warning). Idempotent: a second call
 * changes nothing. Call it after importing '@tensorflow/tfjs-backend-wasm'
 * (whose import registers the stock kernels) and before the first wasm op
 * that needs them; `initBackend` does this for you.
 * @returns the names of the kernels registered by this call.
 */
export function registerWasmKernels(): string[] {
  const registered: string[] = [];
  if (registeredOnce) return registered;
  for (const config of ourConfigs()) {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing !== undefined) {
      stockKernels.set(config.kernelName, existing);
      unregisterKernel(config.kernelName, 'wasm');
    }
    registerKernel(config);
    registered.push(config.kernelName);
  }
  registeredOnce = true;
  return registered;
}

/**
 * The stock tfjs-backend-wasm kernel that `registerWasmKernels` replaced,
 * e.g. to show in a test that the stock `MaxPoolGrad` misroutes gradients.
 * Its setupFunc must have run (it does when the wasm backend initialises
 * while the stock kernel is registered). `undefined` if nothing was replaced.
 */
export function stockWasmKernel(kernelName: string): KernelConfig | undefined {
  return stockKernels.get(kernelName);
}
