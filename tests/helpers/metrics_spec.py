"""A four-task SPEC ("analysis") whose parameters make steps 1.1, 2.1 and 3.1 critical, 1.2 not,
and leave 4.1 unsaid: the metrics tests write its progress logs."""

from __future__ import annotations

SPEC_MD = """\
# Goal
Analyse the data.

## Task 1: Collect
### Step 1.1: Download
### Step 1.2: Clean

## Task 2: Model
### Step 2.1: Fit

## Task 3: Report
### Step 3.1: Write

## Task 4: Publish
### Step 4.1: Upload
"""

PARAMETERS = """\
[[tasks]]
id = 1
[[tasks.steps]]
id = "1.1"
critical_flag = true
[[tasks.steps]]
id = "1.2"
critical_flag = false
[[tasks]]
id = 2
[[tasks.steps]]
id = "2.1"
critical_flag = true
[[tasks]]
id = 3
[[tasks.steps]]
id = "3.1"
critical_flag = true
"""
