"""Read a legacy (non-zip) ``torch.save`` checkpoint with ``pickle`` and numpy only.

The legacy format, used by PyTorch before 1.6, is a sequence of pickles followed by raw
storage bytes:

1. the magic number 0x1950a86a20f9469cfc6c,
2. the protocol version (1001),
3. a dictionary of system information (endianness and C type sizes),
4. the object itself, where every tensor storage is a persistent id
   ``("storage", StorageType, key, location, element_count[, view_metadata])``,
5. the list of storage keys in the order their data follows,
6. for each key: the element count as a little-endian int64, then the raw elements.

Tensors are rebuilt by ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)``,
which this module replaces with a numpy view of the storage.
"""

import io
import pickle
import struct
from collections import OrderedDict

import numpy as np

LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001

STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class StorageType:
    """Replacement for a ``torch.*Storage`` class named in the pickle."""

    def __init__(self, name):
        if name not in STORAGE_DTYPES:
            raise ValueError(f"unsupported torch storage type '{name}'")
        self.name = name
        self.dtype = np.dtype(STORAGE_DTYPES[name])


class Storage:
    """A flat storage whose data is filled in after the object pickle has been read."""

    def __init__(self, storage_type, element_count):
        self.dtype = storage_type.dtype
        self.element_count = element_count
        self.array = None


class TensorStub:
    """A tensor whose storage data is not read yet."""

    def __init__(self, storage, offset, size, stride):
        self.storage = storage
        self.offset = offset
        self.size = tuple(size)
        self.stride = tuple(stride)

    def to_numpy(self):
        base = self.storage.array
        itemsize = base.dtype.itemsize
        if len(self.size) == 0:
            return base[self.offset : self.offset + 1].reshape(()).copy()
        view = np.lib.stride_tricks.as_strided(
            base[self.offset :],
            shape=self.size,
            strides=[s * itemsize for s in self.stride],
        )
        return np.ascontiguousarray(view)


def rebuild_tensor(storage, storage_offset, size, stride, *unused):
    return TensorStub(storage, storage_offset, size, stride)


class LegacyUnpickler(pickle.Unpickler):
    def __init__(self, file, storages):
        super().__init__(file)
        self.storages = storages

    def find_class(self, module, name):
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return rebuild_tensor
        if module == "torch" and name.endswith("Storage"):
            return StorageType(name)
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        raise pickle.UnpicklingError(f"unexpected global '{module}.{name}' in checkpoint")

    def persistent_load(self, pid):
        kind, storage_type, key, _location, element_count = pid[:5]
        if kind != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id kind '{kind}'")
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError("storage views are not supported")
        if key not in self.storages:
            self.storages[key] = Storage(storage_type, element_count)
        return self.storages[key]


def load_legacy_state_dict(path):
    """Load a legacy torch checkpoint and return an ordered dict of name -> numpy array."""
    with open(path, "rb") as file:
        magic = pickle.load(file)
        if magic != LEGACY_MAGIC_NUMBER:
            raise ValueError(f"'{path}' is not a legacy torch.save file (magic {magic!r})")
        protocol = pickle.load(file)
        if protocol != LEGACY_PROTOCOL_VERSION:
            raise ValueError(f"'{path}' has unsupported protocol version {protocol}")
        system_info = pickle.load(file)
        if not system_info.get("little_endian", False):
            raise ValueError(f"'{path}' was saved on a big-endian machine")

        storages = {}
        state = LegacyUnpickler(file, storages).load()
        storage_keys = pickle.load(file)
        for key in storage_keys:
            storage = storages[key]
            (element_count,) = struct.unpack("<q", file.read(8))
            if element_count != storage.element_count:
                raise ValueError(f"storage '{key}' has {element_count} elements, expected {storage.element_count}")
            data = file.read(element_count * storage.dtype.itemsize)
            storage.array = np.frombuffer(data, dtype=storage.dtype)

    if not isinstance(state, dict):
        raise ValueError(f"'{path}' does not contain a state dict")
    return OrderedDict((name, tensor.to_numpy()) for name, tensor in state.items())
