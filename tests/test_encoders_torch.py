"""One formula for numpy and torch: ``encode`` on tensors matches ``transform``."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from numpy.testing import assert_allclose
from sklearn.base import clone

from .conftest import ENCODER_INSTANCES, encoder_id, uniform_sphere


def to_dense(codes):
    return codes.toarray() if sp.issparse(codes) else codes


@pytest.mark.parametrize("encoder", ENCODER_INSTANCES, ids=encoder_id)
@pytest.mark.parametrize(
    ("np_dtype", "torch_dtype", "atol"),
    [(np.float64, torch.float64, 1e-12), (np.float32, torch.float32, 1e-4)],
)
def test_torch_encode_matches_numpy_transform(encoder, np_dtype, torch_dtype, atol):
    X = uniform_sphere(64, seed=9) * np.array([2.0, 1.0])  # longitudes to wrap
    fitted = clone(encoder).fit(X)
    expected = to_dense(fitted.transform(X.astype(np_dtype)))
    codes = fitted.encode(torch.as_tensor(X, dtype=torch_dtype))
    assert isinstance(codes, torch.Tensor)
    assert codes.dtype == torch_dtype
    assert_allclose(codes.numpy(), expected, atol=atol)


@pytest.mark.parametrize("encoder", ENCODER_INSTANCES, ids=encoder_id)
def test_numpy_encode_matches_transform(encoder):
    X = uniform_sphere(20, seed=10)
    fitted = clone(encoder).fit(X)
    assert_allclose(fitted.encode(X), to_dense(fitted.transform(X)))


def test_encode_is_differentiable():
    from skgeo_s2v import SphereMPlusEncoder

    lonlat = torch.tensor([[10.0, 20.0], [-100.0, -45.0]], requires_grad=True)
    codes = SphereMPlusEncoder(n_scales=4).encode(lonlat)
    codes.sum().backward()
    assert lonlat.grad is not None
    assert torch.isfinite(lonlat.grad).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("encoder", ENCODER_INSTANCES, ids=encoder_id)
def test_encode_on_cuda(encoder):
    X = uniform_sphere(32, seed=11)
    fitted = clone(encoder).fit(X)
    codes = fitted.encode(torch.as_tensor(X, device="cuda"))
    assert codes.device.type == "cuda"
    assert_allclose(codes.cpu().numpy(), to_dense(fitted.transform(X)), atol=1e-9)
