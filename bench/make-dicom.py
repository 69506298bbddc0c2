#!/usr/bin/python3
"""Writes synthetic CT instances for the DICOM benchmarks (Debian's python3-pydicom).

usage: make-dicom.py OUT_DIR COUNT ROWS PATIENT_ID [STUDIES]
COUNT instances of ROWS x ROWS 16-bit pixels (512 -> 0.5 MB each), spread over STUDIES studies
(default 1) of one series each, explicit VR little endian, patient PATIENT_ID issued by ZJYY-PACS.
"""
import os
import sys

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

out, count, rows, patient = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
studies = int(sys.argv[5]) if len(sys.argv) > 5 else 1
os.makedirs(out, exist_ok=True)
pixels = bytes((i * 7) % 251 for i in range(rows * rows * 2))
root = "1.2.826.0.1.3680043.9.7777.9"
run = generate_uid(prefix=root + ".")[len(root) + 1:len(root) + 13]
for i in range(count):
    study = f"{root}.{run}.{i % studies + 1}"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    meta.MediaStorageSOPInstanceUID = f"{study}.1.{i + 1}"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = f"{study}.1"
    ds.Modality = "CT"
    ds.StudyDate = "20261123"
    ds.PatientName = "Bench^Patient"
    ds.PatientID = patient
    ds.IssuerOfPatientID = "ZJYY-PACS"
    ds.InstanceNumber = i // studies + 1
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ds.Columns = rows
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = pixels
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(os.path.join(out, f"{i + 1:05d}.dcm"), write_like_original=False)
