"""Proxmox's declarations of /version and the /nodes endpoints, as apidata.json has them.

Generated with ``tools/extract_schema.py`` (one entry per method); edit
only to follow upstream.  :func:`pve.api.tree.declare` registers a handler
under one of these.
"""

# flake8: noqa: E501

DECLS = {
    ('/version', 'GET'): {'name': 'version',
     'description': 'API version details, including some parts of the global datacenter config.',
     'permissions': {'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'properties': {'console': {'description': 'The default console viewer to use.',
                                            'enum': ['applet', 'vv', 'html5', 'xtermjs'],
                                            'optional': 1,
                                            'type': 'string'},
                                'release': {'description': 'The current Proxmox VE point release '
                                                           'in `x.y` format.',
                                            'type': 'string'},
                                'repoid': {'description': 'The short git revision from which this '
                                                          'version was build.',
                                           'pattern': '[0-9a-fA-F]{8,64}',
                                           'type': 'string'},
                                'version': {'description': 'The full pve-manager package version '
                                                           'of this node.',
                                            'type': 'string'}},
                 'type': 'object'}},
    ('/nodes', 'GET'): {'name': 'index',
     'description': 'Cluster node index.',
     'permissions': {'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'items': {'properties': {'cpu': {'description': 'CPU utilization.',
                                                  'optional': 1,
                                                  'renderer': 'fraction_as_percentage',
                                                  'type': 'number'},
                                          'level': {'description': 'Support level.',
                                                    'optional': 1,
                                                    'type': 'string'},
                                          'maxcpu': {'description': 'Number of available CPUs.',
                                                     'optional': 1,
                                                     'type': 'integer'},
                                          'maxmem': {'description': 'Number of available memory in '
                                                                    'bytes.',
                                                     'optional': 1,
                                                     'renderer': 'bytes',
                                                     'type': 'integer'},
                                          'mem': {'description': 'Used memory in bytes.',
                                                  'optional': 1,
                                                  'renderer': 'bytes',
                                                  'type': 'integer'},
                                          'node': {'description': 'The cluster node name.',
                                                   'format': 'pve-node',
                                                   'type': 'string'},
                                          'ssl_fingerprint': {'description': 'The SSL fingerprint '
                                                                             'for the node '
                                                                             'certificate.',
                                                              'optional': 1,
                                                              'type': 'string'},
                                          'status': {'description': 'Node status.',
                                                     'enum': ['unknown', 'online', 'offline'],
                                                     'type': 'string'},
                                          'uptime': {'description': 'Node uptime in seconds.',
                                                     'optional': 1,
                                                     'renderer': 'duration',
                                                     'type': 'integer'}},
                           'type': 'object'},
                 'links': [{'href': '{node}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/nodes/{node}', 'GET'): {'name': 'index',
     'description': 'Node index.',
     'permissions': {'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'}}},
     'returns': {'items': {'properties': {}, 'type': 'object'},
                 'links': [{'href': '{name}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/nodes/{node}/status', 'GET'): {'name': 'status',
     'description': 'Read node status',
     'permissions': {'check': ['perm', '/nodes/{node}', ['Sys.Audit']]},
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'}}},
     'returns': {'additionalProperties': 1,
                 'properties': {'boot-info': {'description': 'Meta-information about the boot '
                                                             'mode.',
                                              'properties': {'mode': {'description': 'Through '
                                                                                     'which '
                                                                                     'firmware the '
                                                                                     'system got '
                                                                                     'booted.',
                                                                      'enum': ['efi',
                                                                               'legacy-bios'],
                                                                      'type': 'string'},
                                                             'secureboot': {'description': 'System '
                                                                                           'is '
                                                                                           'booted '
                                                                                           'in '
                                                                                           'secure '
                                                                                           'mode, '
                                                                                           'only '
                                                                                           'applicable '
                                                                                           'for '
                                                                                           'the '
                                                                                           '"efi" '
                                                                                           'mode.',
                                                                            'optional': 1,
                                                                            'type': 'boolean'}},
                                              'type': 'object'},
                                'cpu': {'description': 'The current cpu usage.', 'type': 'number'},
                                'cpuinfo': {'properties': {'cores': {'description': 'The number of '
                                                                                    'physical '
                                                                                    'cores of the '
                                                                                    'CPU.',
                                                                     'type': 'integer'},
                                                           'cpus': {'description': 'The number of '
                                                                                   'logical '
                                                                                   'threads of the '
                                                                                   'CPU.',
                                                                    'type': 'integer'},
                                                           'model': {'description': 'The CPU model',
                                                                     'type': 'string'},
                                                           'sockets': {'description': 'The number '
                                                                                      'of logical '
                                                                                      'threads of '
                                                                                      'the CPU.',
                                                                       'type': 'integer'}},
                                            'type': 'object'},
                                'current-kernel': {'description': 'Meta-information about the '
                                                                  'currently booted kernel of this '
                                                                  'node.',
                                                   'properties': {'machine': {'description': 'Hardware '
                                                                                             '(architecture) '
                                                                                             'type',
                                                                              'type': 'string'},
                                                                  'release': {'description': 'OS '
                                                                                             'kernel '
                                                                                             'release '
                                                                                             '(e.g., '
                                                                                             '"6.8.0")',
                                                                              'type': 'string'},
                                                                  'sysname': {'description': 'OS '
                                                                                             'kernel '
                                                                                             'name '
                                                                                             '(e.g., '
                                                                                             '"Linux")',
                                                                              'type': 'string'},
                                                                  'version': {'description': 'OS '
                                                                                             'kernel '
                                                                                             'version '
                                                                                             'with '
                                                                                             'build '
                                                                                             'info',
                                                                              'type': 'string'}},
                                                   'type': 'object'},
                                'loadavg': {'description': 'An array of load avg for 1, 5 and 15 '
                                                           'minutes respectively.',
                                            'items': {'description': 'The value of the load.',
                                                      'type': 'string'},
                                            'type': 'array'},
                                'memory': {'properties': {'available': {'description': 'The '
                                                                                       'available '
                                                                                       'memory in '
                                                                                       'bytes.',
                                                                        'type': 'integer'},
                                                          'free': {'description': 'The free memory '
                                                                                  'in bytes.',
                                                                   'type': 'integer'},
                                                          'total': {'description': 'The total '
                                                                                   'memory in '
                                                                                   'bytes.',
                                                                    'type': 'integer'},
                                                          'used': {'description': 'The used memory '
                                                                                  'in bytes.',
                                                                   'type': 'integer'}},
                                           'type': 'object'},
                                'pveversion': {'description': 'The PVE version string.',
                                               'type': 'string'},
                                'rootfs': {'properties': {'avail': {'description': 'The available '
                                                                                   'bytes in the '
                                                                                   'root '
                                                                                   'filesystem.',
                                                                    'type': 'integer'},
                                                          'free': {'description': 'The free bytes '
                                                                                  'on the root '
                                                                                  'filesystem.',
                                                                   'type': 'integer'},
                                                          'total': {'description': 'The total size '
                                                                                   'of the root '
                                                                                   'filesystem in '
                                                                                   'bytes.',
                                                                    'type': 'integer'},
                                                          'used': {'description': 'The used bytes '
                                                                                  'in the root '
                                                                                  'filesystem.',
                                                                   'type': 'integer'}},
                                           'type': 'object'}},
                 'type': 'object'}},
    ('/nodes/{node}/tasks', 'GET'): {'name': 'node_tasks',
     'description': 'Read task list for one node (finished tasks).',
     'permissions': {'description': 'List task associated with the current user, or all task the '
                                    "user has 'Sys.Audit' permissions on /nodes/<node> (the <node> "
                                    'the task runs on).',
                     'user': 'all'},
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'errors': {'default': 0,
                                              'description': 'Only list tasks with a status of '
                                                             'ERROR.',
                                              'optional': 1,
                                              'type': 'boolean'},
                                   'limit': {'default': 50,
                                             'description': 'Only list this number of tasks.',
                                             'minimum': 0,
                                             'optional': 1,
                                             'type': 'integer'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'since': {'description': 'Only list tasks since this UNIX '
                                                            'epoch.',
                                             'optional': 1,
                                             'type': 'integer'},
                                   'source': {'default': 'archive',
                                              'description': 'List archived, active or all tasks.',
                                              'enum': ['archive', 'active', 'all'],
                                              'optional': 1,
                                              'type': 'string'},
                                   'start': {'default': 0,
                                             'description': 'List tasks beginning from this '
                                                            'offset.',
                                             'minimum': 0,
                                             'optional': 1,
                                             'type': 'integer'},
                                   'statusfilter': {'description': 'List of Task States that '
                                                                   'should be returned.',
                                                    'format': 'pve-task-status-type-list',
                                                    'optional': 1,
                                                    'type': 'string'},
                                   'typefilter': {'description': 'Only list tasks of this type '
                                                                 '(e.g., vzstart, vzdump).',
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'until': {'description': 'Only list tasks until this UNIX '
                                                            'epoch.',
                                             'optional': 1,
                                             'type': 'integer'},
                                   'userfilter': {'description': 'Only list tasks from this user.',
                                                  'optional': 1,
                                                  'type': 'string'},
                                   'vmid': {'description': 'Only list tasks for this VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'optional': 1,
                                            'type': 'integer'}}},
     'returns': {'items': {'properties': {'endtime': {'optional': 1,
                                                      'renderer': 'timestamp',
                                                      'title': 'Endtime',
                                                      'type': 'integer'},
                                          'id': {'title': 'ID', 'type': 'string'},
                                          'node': {'title': 'Node', 'type': 'string'},
                                          'pid': {'title': 'PID', 'type': 'integer'},
                                          'pstart': {'type': 'integer'},
                                          'starttime': {'renderer': 'timestamp',
                                                        'title': 'Starttime',
                                                        'type': 'integer'},
                                          'status': {'optional': 1,
                                                     'title': 'Status',
                                                     'type': 'string'},
                                          'type': {'title': 'Type', 'type': 'string'},
                                          'upid': {'title': 'UPID', 'type': 'string'},
                                          'user': {'title': 'User', 'type': 'string'}},
                           'type': 'object'},
                 'links': [{'href': '{upid}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/nodes/{node}/tasks/{upid}', 'GET'): {'name': 'upid_index',
     'description': '',
     'permissions': {'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'upid': {'type': 'string'}}},
     'returns': {'items': {'properties': {}, 'type': 'object'},
                 'links': [{'href': '{name}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/nodes/{node}/tasks/{upid}', 'DELETE'): {'name': 'stop_task',
     'description': 'Stop a task.',
     'permissions': {'description': "The user needs 'Sys.Modify' permissions on '/nodes/<node>' if "
                                    "they aren't the owner of the task.",
                     'user': 'all'},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'upid': {'type': 'string'}}},
     'returns': {'type': 'null'}},
    ('/nodes/{node}/tasks/{upid}/status', 'GET'): {'name': 'read_task_status',
     'description': 'Read task status.',
     'permissions': {'description': "The user needs 'Sys.Audit' permissions on '/nodes/<node>' if "
                                    'they are not the owner of the task.',
                     'user': 'all'},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'upid': {'description': "The task's unique ID.",
                                            'type': 'string'}}},
     'returns': {'properties': {'exitstatus': {'optional': 1, 'type': 'string'},
                                'id': {'type': 'string'},
                                'node': {'type': 'string'},
                                'pid': {'type': 'integer'},
                                'pstart': {'type': 'integer'},
                                'starttime': {'type': 'integer'},
                                'status': {'enum': ['running', 'stopped'], 'type': 'string'},
                                'type': {'type': 'string'},
                                'upid': {'type': 'string'},
                                'user': {'type': 'string'}},
                 'type': 'object'}},
    ('/nodes/{node}/tasks/{upid}/log', 'GET'): {'name': 'read_task_log',
     'description': 'Read task log.',
     'permissions': {'description': "The user needs 'Sys.Audit' permissions on '/nodes/<node>' if "
                                    "they aren't the owner of the task.",
                     'user': 'all'},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'download_allowed': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'download': {'description': 'Whether the tasklog file should be '
                                                               "downloaded. This parameter can't "
                                                               'be used in conjunction with other '
                                                               'parameters',
                                                'optional': 1,
                                                'type': 'boolean'},
                                   'limit': {'default': 50,
                                             'description': 'The number of lines to read from the '
                                                            'tasklog.',
                                             'minimum': 0,
                                             'optional': 1,
                                             'type': 'integer'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'start': {'default': 0,
                                             'description': 'Start at this line when reading the '
                                                            'tasklog',
                                             'minimum': 0,
                                             'optional': 1,
                                             'type': 'integer'},
                                   'upid': {'description': "The task's unique ID.",
                                            'type': 'string'}}},
     'returns': {'items': {'properties': {'n': {'description': 'Line number', 'type': 'integer'},
                                          't': {'description': 'Line text', 'type': 'string'}},
                           'type': 'object'},
                 'type': 'array'}},
    ('/nodes/{node}/startall', 'POST'): {'name': 'startall',
      'description': 'Start all VMs and containers located on this node (by default only those with '
                     'onboot=1).',
      'permissions': {'description': "The 'VM.PowerMgmt' permission is required on '/' or on "
                                     "'/vms/<ID>' for each ID passed via the 'vms' parameter.",
                      'user': 'all'},
      'protected': 1,
      'proxyto': 'node',
      'allowtoken': 1,
      'parameters': {'additionalProperties': 0,
                     'properties': {'force': {'default': 'off',
                                              'description': 'Issue start command even if virtual guest '
                                                             "have 'onboot' not set or set to off.",
                                              'optional': 1,
                                              'type': 'boolean'},
                                    'max-workers': {'description': 'Defines the maximum number of tasks '
                                                                   'running concurrently. If not set, '
                                                                   "uses 'max_workers' from "
                                                                   "datacenter.cfg, and if that's not "
                                                                   'set, the available CPU threads, '
                                                                   'clamped to a maximum of 8, are '
                                                                   'used.',
                                                    'maximum': 64,
                                                    'minimum': 1,
                                                    'optional': 1,
                                                    'type': 'integer'},
                                    'node': {'description': 'The cluster node name.',
                                             'format': 'pve-node',
                                             'type': 'string'},
                                    'vms': {'description': 'Only consider guests from this comma '
                                                           'separated list of VMIDs.',
                                            'format': 'pve-vmid-list',
                                            'optional': 1,
                                            'type': 'string'}}},
      'returns': {'type': 'string'}},
    ('/nodes/{node}/stopall', 'POST'): {'name': 'stopall',
      'description': 'Stop all VMs and Containers.',
      'permissions': {'description': "The 'VM.PowerMgmt' permission is required on '/' or on "
                                     "'/vms/<ID>' for each ID passed via the 'vms' parameter.",
                      'user': 'all'},
      'protected': 1,
      'proxyto': 'node',
      'allowtoken': 1,
      'parameters': {'additionalProperties': 0,
                     'properties': {'force-stop': {'default': 1,
                                                   'description': 'Force a hard-stop after the timeout.',
                                                   'optional': 1,
                                                   'type': 'boolean'},
                                    'max-workers': {'description': 'Defines the maximum number of tasks '
                                                                   'running concurrently. If  not set, '
                                                                   "uses 'max_workers' from "
                                                                   "datacenter.cfg, and if that's not "
                                                                   'set, the available CPU threads, '
                                                                   'clamped to a maximum of 8, are '
                                                                   'used.',
                                                    'maximum': 64,
                                                    'minimum': 1,
                                                    'optional': 1,
                                                    'type': 'integer'},
                                    'node': {'description': 'The cluster node name.',
                                             'format': 'pve-node',
                                             'type': 'string'},
                                    'timeout': {'default': 180,
                                                'description': 'Timeout for each guest shutdown task. '
                                                               'Depending on `force-stop`, the shutdown '
                                                               'gets then simply aborted or a hard-stop '
                                                               'is forced.',
                                                'maximum': 7200,
                                                'minimum': 0,
                                                'optional': 1,
                                                'type': 'integer'},
                                    'vms': {'description': 'Only consider Guests with these IDs.',
                                            'format': 'pve-vmid-list',
                                            'optional': 1,
                                            'type': 'string'}}},
      'returns': {'type': 'string'}},
}
