"""A bleak scanner backend over a Bumble central: advertisements of the virtual sensors as bleak reports them.

Pass ``backend=BumbleScannerBackend, radio=radio`` to ``BleakScanner`` (or ``discover``,
``find_device_by_filter``...). Bumble's software controller reports each advertisement twice
(as advertising and scan response, with the same data) and always with RSSI -50.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bumble.core import UUID, AdvertisingData
from bumble.device import Advertisement
from bumble.hci import Address

from runsense.simulate.bleak_client import uuid_str
from runsense.simulate.radio import VirtualRadio

_UUID_LISTS = (
    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
)


@dataclass(frozen=True, slots=True)
class BumbleDeviceDetails:
    """``BLEDevice.details`` of a virtual sensor: how the client backend reaches it."""

    radio: VirtualRadio
    address: Address


def advertisement_data(adv: Advertisement) -> AdvertisementData:
    """Bleak's view of one Bumble advertisement."""
    data = adv.data
    name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(AdvertisingData.SHORTENED_LOCAL_NAME)
    uuids: list[str] = []
    for kind in _UUID_LISTS:
        for uuid_list in data.get_all(kind):
            if isinstance(uuid_list, list):
                uuids += [uuid_str(u) for u in uuid_list if isinstance(u, UUID)]
    manufacturer: dict[int, bytes] = {}
    for company_data in data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA):
        if isinstance(company_data, tuple) and len(company_data) == 2:
            manufacturer[int(company_data[0])] = bytes(company_data[1])
    tx_power = data.get(AdvertisingData.TX_POWER_LEVEL)
    return AdvertisementData(
        local_name=name if isinstance(name, str) else None,
        manufacturer_data=manufacturer,
        service_data={},
        service_uuids=list(dict.fromkeys(uuids)),
        tx_power=tx_power if isinstance(tx_power, int) else None,
        rssi=adv.rssi,
        platform_data=(adv,),
    )


class BumbleScannerBackend(BaseBleakScanner):
    """bleak's scanner interface over the ``VirtualRadio``'s central."""

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: Literal["active", "passive"],  # noqa: ARG002 - the link answers both alike
        **kwargs: Any,  # noqa: ANN401 - bleak's backend interface
    ) -> None:
        """Bleak passes ``bluez`` and ``cb`` dicts (ignored); ``radio`` is ours."""
        super().__init__(detection_callback, service_uuids)
        radio = kwargs.get("radio")
        if not isinstance(radio, VirtualRadio):
            raise TypeError("BumbleScannerBackend needs radio=VirtualRadio")
        self._radio = radio
        self._scanning = False

    async def start(self) -> None:
        """Clear what was seen and listen to the central's advertisements."""
        self.seen_devices = {}
        self._radio.central.on(self._radio.central.EVENT_ADVERTISEMENT, self._on_advertisement)
        await self._radio.start_scanning()
        self._scanning = True

    async def stop(self) -> None:
        """Stop listening (the central stops scanning when no scanner is left)."""
        if not self._scanning:
            return
        self._scanning = False
        self._radio.central.remove_listener(self._radio.central.EVENT_ADVERTISEMENT, self._on_advertisement)
        await self._radio.stop_scanning()

    def _on_advertisement(self, adv: Advertisement) -> None:
        data = advertisement_data(adv)
        if not self.is_allowed_uuid(data.service_uuids):
            return
        address = adv.address.to_string(with_type_qualifier=False)
        details = BumbleDeviceDetails(self._radio, adv.address)
        device = self.create_or_update_device(address, address, data.local_name, details, data)
        self.call_detection_callbacks(device, data)
