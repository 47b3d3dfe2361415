#!/usr/bin/python3
"""Float64 ground truth for the peers' gradient-family files (../shared/reference/peers), to tell which float32
result is right where Salient and Captum disagree. Needs Debian's python3-torch, python3-onnx and numpy.

Runs each peer ONNX model op by op in PyTorch (Conv, Relu, MaxPool, Add, GlobalAveragePool, Flatten, Gemm: all
the peers' small models use) in float64 and float32, and prints, per model and photo, the relative L2 error
against float64 of Captum's InputXGradient and IntegratedGradients files (the float32 floor the tests'
bars use: max(1e-3, 3 x floor)), of this float32 run, and of Salient's maps when dumped as raw float32 to
SALIENT_DUMP/salient_MODEL_PHOTO_{ixg,ig}.f32.

usage: bench/peers-float64.py [SHARED_DIR]   (default ../shared)
"""
import json
import os
import sys

import numpy as np
import numpy.polynomial.legendre as legendre
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'shared')
PEERS = os.path.join(SHARED, 'reference', 'peers')
manifest = json.load(open(os.path.join(PEERS, 'peers_ref.json')))


class OnnxNet:
    """The ONNX graph evaluated op by op in torch at one precision."""

    def __init__(self, path, dtype):
        model = onnx.load(path)
        self.graph = model.graph
        self.weights = {t.name: torch.tensor(numpy_helper.to_array(t).astype(np.float64)).to(dtype)
                        for t in self.graph.initializer}

    def __call__(self, x):
        values = dict(self.weights)
        values[self.graph.input[0].name] = x
        for node in self.graph.node:
            a = {attr.name: onnx.helper.get_attribute_value(attr) for attr in node.attribute}
            i = [values[name] if name else None for name in node.input]
            op = node.op_type
            pads = a.get('pads', [0, 0, 0, 0])
            if op in ('Conv', 'MaxPool'):
                assert pads[0] == pads[2] and pads[1] == pads[3], 'asymmetric pads'
            if op == 'Conv':
                y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, stride=a.get('strides', 1),
                             padding=(pads[0], pads[1]), dilation=a.get('dilations', 1), groups=a.get('group', 1))
            elif op == 'Relu':
                y = F.relu(i[0])
            elif op == 'MaxPool':
                y = F.max_pool2d(i[0], a['kernel_shape'], a.get('strides', 1), (pads[0], pads[1]),
                                 ceil_mode=bool(a.get('ceil_mode', 0)))
            elif op == 'Add':
                y = i[0] + i[1]
            elif op == 'GlobalAveragePool':
                y = i[0].mean(dim=(2, 3), keepdim=True)
            elif op == 'Flatten':
                y = torch.flatten(i[0], a.get('axis', 1))
            elif op == 'Gemm':
                b = i[1].t() if a.get('transB', 0) else i[1]
                y = a.get('alpha', 1.0) * i[0] @ b + a.get('beta', 1.0) * i[2]
            else:
                raise ValueError('op not handled: ' + op)
            values[node.output[0]] = y
        return values[self.graph.output[0].name]


def gradient(net, x, target):
    x = x.clone().requires_grad_(True)
    g, = torch.autograd.grad(net(x)[0, target], x)
    return g


def relative(a, b):
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def floats(path):
    return np.fromfile(path, '<f4')


nodes, weights = legendre.leggauss(64)  # Captum's 'gausslegendre', n_steps=64, mapped to [0, 1]
alphas, weights = (nodes + 1) / 2, weights / 2
mean = np.array(manifest['preprocess']['mean'])
std = np.array(manifest['preprocess']['std'])
dump = os.environ.get('SALIENT_DUMP')
for model in ('cnn_small', 'resnet_small'):
    for photo in ('bird', 'dog'):
        target = manifest['models'][model]['targets'][photo]
        x = floats(os.path.join(PEERS, 'inputs', photo + '.input.f32')).reshape(1, 3, 224, 224)
        maps = {}
        for dtype in (torch.float64, torch.float32):
            net = OnnxNet(os.path.join(PEERS, model + '.onnx'), dtype)
            xt = torch.tensor(x.astype(np.float64)).to(dtype)
            maps[dtype, 'ixg'] = (xt * gradient(net, xt, target)).double().numpy()
            black = torch.tensor(((0 - mean) / std).reshape(1, 3, 1, 1)).to(dtype).expand(1, 3, 224, 224)
            path_sum = torch.zeros_like(xt)
            for alpha, w in zip(alphas, weights):
                path_sum += w * gradient(net, black + float(alpha) * (xt - black), target)
            maps[dtype, 'ig'] = ((xt - black) * path_sum).double().numpy()
        for method, file in (('ixg', 'captum.InputXGradient.f32'), ('ig', 'captum.IntegratedGradients.f32')):
            exact = maps[torch.float64, method]
            line = '%s/%s %s: captum vs float64 %.2e, torch float32 vs float64 %.2e' % (
                model, photo, method, relative(floats(os.path.join(PEERS, model, photo, file)), exact),
                relative(maps[torch.float32, method], exact))
            if dump:
                ours = os.path.join(dump, 'salient_%s_%s_%s.f32' % (model, photo, method))
                if os.path.exists(ours):
                    line += ', salient vs float64 %.2e' % relative(floats(ours), exact)
            print(line)
