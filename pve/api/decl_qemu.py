"""Proxmox's declarations of the /nodes/{node}/qemu endpoints, as
apidata.json has them.

Generated with ``pve.api.apidata.schema_from_apidata`` and ``paste_ready``
(one entry per method); edit only to follow upstream.  Properties folded
as ``name[n]`` in apidata are unfolded into ``name0``, ``name1``... by
:func:`_unfold` below, as many as :data:`pve.qemu.schema.API_PROPERTIES` has.

The VM config keys that creating and updating a VM take are not repeated
here: those of :data:`CONFIG_KEYS` come from :mod:`pve.qemu.schema` (equal
to apidata's, as tests/qemu/test_schema.py checks; :data:`TYPETEXT` adds
the ``typetext`` apidata shows for some), the others are written out.
"""

import re

from pve.qemu import schema

# flake8: noqa: E501

DECLS = {
    ('/nodes/{node}/qemu', 'GET'): {'name': 'vmlist',
     'description': 'Virtual machine index (per node).',
     'permissions': {'description': 'Only list VMs where you have VM.Audit permissions on '
                                    '/vms/<vmid>.',
                     'user': 'all'},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'full': {'description': 'Determine the full status of active '
                                                           'VMs.',
                                            'optional': 1,
                                            'type': 'boolean'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'}}},
     'returns': {'items': {'properties': {'cpu': {'description': 'Current CPU usage.',
                                                  'optional': 1,
                                                  'type': 'number'},
                                          'cpus': {'description': 'Maximum usable CPUs.',
                                                   'optional': 1,
                                                   'type': 'number'},
                                          'diskread': {'description': 'The amount of bytes the '
                                                                      "guest read from it's block "
                                                                      'devices since the guest was '
                                                                      'started. (Note: This info '
                                                                      'is not available for all '
                                                                      'storage types.)',
                                                       'optional': 1,
                                                       'renderer': 'bytes',
                                                       'type': 'integer'},
                                          'diskwrite': {'description': 'The amount of bytes the '
                                                                       "guest wrote from it's "
                                                                       'block devices since the '
                                                                       'guest was started. (Note: '
                                                                       'This info is not available '
                                                                       'for all storage types.)',
                                                        'optional': 1,
                                                        'renderer': 'bytes',
                                                        'type': 'integer'},
                                          'lock': {'description': 'The current config lock, if '
                                                                  'any.',
                                                   'optional': 1,
                                                   'type': 'string'},
                                          'maxdisk': {'description': 'Root disk size in bytes.',
                                                      'optional': 1,
                                                      'renderer': 'bytes',
                                                      'type': 'integer'},
                                          'maxmem': {'description': 'Maximum memory in bytes.',
                                                     'optional': 1,
                                                     'renderer': 'bytes',
                                                     'type': 'integer'},
                                          'mem': {'description': 'Currently used memory in bytes. '
                                                                 'Does not take into account '
                                                                 'kernel same-page merging (KSM). '
                                                                 'Uses information from ballooning '
                                                                 'when available.',
                                                  'optional': 1,
                                                  'renderer': 'bytes',
                                                  'type': 'integer'},
                                          'memhost': {'description': 'Current memory usage on the '
                                                                     'host. Does not take into '
                                                                     'account kernel same-page '
                                                                     'merging (KSM).',
                                                      'optional': 1,
                                                      'renderer': 'bytes',
                                                      'type': 'integer'},
                                          'name': {'description': 'VM (host)name.',
                                                   'optional': 1,
                                                   'type': 'string'},
                                          'netin': {'description': 'The amount of traffic in bytes '
                                                                   'that was sent to the guest '
                                                                   'over the network since it was '
                                                                   'started.',
                                                    'optional': 1,
                                                    'renderer': 'bytes',
                                                    'type': 'integer'},
                                          'netout': {'description': 'The amount of traffic in '
                                                                    'bytes that was sent from the '
                                                                    'guest over the network since '
                                                                    'it was started.',
                                                     'optional': 1,
                                                     'renderer': 'bytes',
                                                     'type': 'integer'},
                                          'pid': {'description': 'PID of the QEMU process, if the '
                                                                 'VM is running.',
                                                  'optional': 1,
                                                  'type': 'integer'},
                                          'pressurecpufull': {'description': 'CPU Full pressure '
                                                                             'stall average over '
                                                                             'the last 10 seconds.',
                                                              'optional': 1,
                                                              'type': 'number'},
                                          'pressurecpusome': {'description': 'CPU Some pressure '
                                                                             'stall average over '
                                                                             'the last 10 seconds.',
                                                              'optional': 1,
                                                              'type': 'number'},
                                          'pressureiofull': {'description': 'IO Full pressure '
                                                                            'stall average over '
                                                                            'the last 10 seconds.',
                                                             'optional': 1,
                                                             'type': 'number'},
                                          'pressureiosome': {'description': 'IO Some pressure '
                                                                            'stall average over '
                                                                            'the last 10 seconds.',
                                                             'optional': 1,
                                                             'type': 'number'},
                                          'pressurememoryfull': {'description': 'Memory Full '
                                                                                'pressure stall '
                                                                                'average over the '
                                                                                'last 10 seconds.',
                                                                 'optional': 1,
                                                                 'type': 'number'},
                                          'pressurememorysome': {'description': 'Memory Some '
                                                                                'pressure stall '
                                                                                'average over the '
                                                                                'last 10 seconds.',
                                                                 'optional': 1,
                                                                 'type': 'number'},
                                          'qmpstatus': {'description': 'VM run state from the '
                                                                       "'query-status' QMP monitor "
                                                                       'command.',
                                                        'optional': 1,
                                                        'type': 'string'},
                                          'running-machine': {'description': 'The currently '
                                                                             'running machine type '
                                                                             '(if running).',
                                                              'optional': 1,
                                                              'type': 'string'},
                                          'running-qemu': {'description': 'The QEMU version the VM '
                                                                          'is currently using (if '
                                                                          'running).',
                                                           'optional': 1,
                                                           'type': 'string'},
                                          'serial': {'description': 'Guest has serial device '
                                                                    'configured.',
                                                     'optional': 1,
                                                     'type': 'boolean'},
                                          'status': {'description': 'QEMU process status.',
                                                     'enum': ['stopped', 'running'],
                                                     'type': 'string'},
                                          'tags': {'description': 'The current configured tags, if '
                                                                  'any',
                                                   'optional': 1,
                                                   'type': 'string'},
                                          'template': {'default': 0,
                                                       'description': 'Determines if the guest is '
                                                                      'a template.',
                                                       'optional': 1,
                                                       'type': 'boolean'},
                                          'uptime': {'description': 'Uptime in seconds.',
                                                     'optional': 1,
                                                     'renderer': 'duration',
                                                     'type': 'integer'},
                                          'vmid': {'description': 'The (unique) ID of the VM.',
                                                   'format': 'pve-vmid',
                                                   'maximum': 999999999,
                                                   'minimum': 100,
                                                   'type': 'integer'}},
                           'type': 'object'},
                 'links': [{'href': '{vmid}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/nodes/{node}/qemu', 'POST'): {'name': 'create_vm',
     'description': 'Create or restore a virtual machine.',
     'permissions': {'description': "You need 'VM.Allocate' permissions on /vms/{vmid} or on the "
                                    "VM pool /pool/{pool}. For restore (option 'archive'), it is "
                                    "enough if the user has 'VM.Backup' permission and the VM "
                                    'already exists. If you create disks you need '
                                    "'Datastore.AllocateSpace' on any used storage.If you use a "
                                    "bridge/vlan, you need 'SDN.Use' on any used bridge/vlan.",
                     'user': 'all'},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'archive': {'description': 'The backup archive. Either the file '
                                                              'system path to a .tar or .vma file '
                                                              "(use '-' to pipe data from stdin) "
                                                              'or a proxmox storage backup volume '
                                                              'identifier.',
                                               'maxLength': 255,
                                               'optional': 1,
                                               'type': 'string'},
                                   'bwlimit': {'default': 'restore limit from datacenter or '
                                                          'storage config',
                                               'description': 'Override I/O bandwidth limit (in '
                                                              'KiB/s).',
                                               'minimum': '0',
                                               'optional': 1,
                                               'type': 'integer'},
                                   'force': {'description': 'Allow to overwrite existing VM.',
                                             'optional': 1,
                                             'requires': 'archive',
                                             'type': 'boolean'},
                                   'ha-managed': {'default': 0,
                                                  'description': 'Add the VM as a HA resource '
                                                                 'after it was created.',
                                                  'optional': 1,
                                                  'type': 'boolean'},
                                   'import-working-storage': {'description': 'A file-based storage '
                                                                             "with 'images' "
                                                                             'content-type '
                                                                             'enabled, which is '
                                                                             'used as an '
                                                                             'intermediary '
                                                                             'extraction storage '
                                                                             'during import. '
                                                                             'Defaults to the '
                                                                             'source storage.',
                                                              'format': 'pve-storage-id',
                                                              'format_description': 'storage ID',
                                                              'optional': 1,
                                                              'type': 'string'},
                                   'live-restore': {'description': 'Start the VM immediately while '
                                                                   'importing or restoring in the '
                                                                   'background.',
                                                    'optional': 1,
                                                    'type': 'boolean'},
                                   'net[n]': {'description': 'Specify network devices.',
                                              'format': {'bridge': {'description': 'Bridge to '
                                                                                   'attach the '
                                                                                   'network device '
                                                                                   'to. The '
                                                                                   'Proxmox VE '
                                                                                   'standard '
                                                                                   'bridge\n'
                                                                                   'is called '
                                                                                   "'vmbr0'.\n"
                                                                                   '\n'
                                                                                   'If you do not '
                                                                                   'specify a '
                                                                                   'bridge, we '
                                                                                   'create a kvm '
                                                                                   'user (NATed) '
                                                                                   'network\n'
                                                                                   'device, which '
                                                                                   'provides DHCP '
                                                                                   'and DNS '
                                                                                   'services. The '
                                                                                   'following '
                                                                                   'addresses\n'
                                                                                   'are used:\n'
                                                                                   '\n'
                                                                                   ' 10.0.2.2   '
                                                                                   'Gateway\n'
                                                                                   ' 10.0.2.3   '
                                                                                   'DNS Server\n'
                                                                                   ' 10.0.2.4   '
                                                                                   'SMB Server\n'
                                                                                   '\n'
                                                                                   'The DHCP '
                                                                                   'server assign '
                                                                                   'addresses to '
                                                                                   'the guest '
                                                                                   'starting from '
                                                                                   '10.0.2.15.\n',
                                                                    'format': 'pve-bridge-id',
                                                                    'format_description': 'bridge',
                                                                    'optional': 1,
                                                                    'type': 'string'},
                                                         'e1000': {'alias': 'macaddr',
                                                                   'keyAlias': 'model'},
                                                         'e1000-82540em': {'alias': 'macaddr',
                                                                           'keyAlias': 'model'},
                                                         'e1000-82544gc': {'alias': 'macaddr',
                                                                           'keyAlias': 'model'},
                                                         'e1000-82545em': {'alias': 'macaddr',
                                                                           'keyAlias': 'model'},
                                                         'e1000e': {'alias': 'macaddr',
                                                                    'keyAlias': 'model'},
                                                         'firewall': {'description': 'Whether this '
                                                                                     'interface '
                                                                                     'should be '
                                                                                     'protected by '
                                                                                     'the '
                                                                                     'firewall.',
                                                                      'optional': 1,
                                                                      'type': 'boolean'},
                                                         'i82551': {'alias': 'macaddr',
                                                                    'keyAlias': 'model'},
                                                         'i82557b': {'alias': 'macaddr',
                                                                     'keyAlias': 'model'},
                                                         'i82559er': {'alias': 'macaddr',
                                                                      'keyAlias': 'model'},
                                                         'link_down': {'description': 'Whether '
                                                                                      'this '
                                                                                      'interface '
                                                                                      'should be '
                                                                                      'disconnected '
                                                                                      '(like '
                                                                                      'pulling the '
                                                                                      'plug).',
                                                                       'optional': 1,
                                                                       'type': 'boolean'},
                                                         'macaddr': {'description': 'MAC address. '
                                                                                    'That address '
                                                                                    'must be '
                                                                                    'unique within '
                                                                                    'your network. '
                                                                                    'This is '
                                                                                    'automatically '
                                                                                    'generated if '
                                                                                    'not '
                                                                                    'specified.',
                                                                     'format': 'mac-addr',
                                                                     'format_description': 'XX:XX:XX:XX:XX:XX',
                                                                     'optional': 1,
                                                                     'type': 'string',
                                                                     'verbose_description': 'A '
                                                                                            'common '
                                                                                            'MAC '
                                                                                            'address '
                                                                                            'with '
                                                                                            'the '
                                                                                            'I/G '
                                                                                            '(Individual/Group) '
                                                                                            'bit '
                                                                                            'not '
                                                                                            'set.'},
                                                         'model': {'default_key': 1,
                                                                   'description': 'Network Card '
                                                                                  'Model. The '
                                                                                  "'virtio' model "
                                                                                  'provides the '
                                                                                  'best '
                                                                                  'performance '
                                                                                  'with very low '
                                                                                  'CPU overhead. '
                                                                                  'If your guest '
                                                                                  'does not '
                                                                                  'support this '
                                                                                  'driver, it is '
                                                                                  'usually best to '
                                                                                  "use 'e1000'.",
                                                                   'enum': ['e1000',
                                                                            'e1000-82540em',
                                                                            'e1000-82544gc',
                                                                            'e1000-82545em',
                                                                            'e1000e',
                                                                            'i82551',
                                                                            'i82557b',
                                                                            'i82559er',
                                                                            'ne2k_isa',
                                                                            'ne2k_pci',
                                                                            'pcnet',
                                                                            'rtl8139',
                                                                            'virtio',
                                                                            'vmxnet3'],
                                                                   'type': 'string'},
                                                         'mtu': {'description': 'Force MTU of '
                                                                                'network device '
                                                                                '(VirtIO only). '
                                                                                "Setting to '1' or "
                                                                                'empty will use '
                                                                                'the bridge MTU',
                                                                 'maximum': 65520,
                                                                 'minimum': 1,
                                                                 'optional': 1,
                                                                 'type': 'integer'},
                                                         'ne2k_isa': {'alias': 'macaddr',
                                                                      'keyAlias': 'model'},
                                                         'ne2k_pci': {'alias': 'macaddr',
                                                                      'keyAlias': 'model'},
                                                         'pcnet': {'alias': 'macaddr',
                                                                   'keyAlias': 'model'},
                                                         'queues': {'description': 'Number of '
                                                                                   'packet queues '
                                                                                   'to be used on '
                                                                                   'the device.',
                                                                    'maximum': 64,
                                                                    'minimum': 0,
                                                                    'optional': 1,
                                                                    'type': 'integer'},
                                                         'rate': {'description': 'Rate limit in '
                                                                                 'mbps (megabytes '
                                                                                 'per second) as '
                                                                                 'floating point '
                                                                                 'number.',
                                                                  'minimum': 0,
                                                                  'optional': 1,
                                                                  'type': 'number'},
                                                         'rtl8139': {'alias': 'macaddr',
                                                                     'keyAlias': 'model'},
                                                         'tag': {'description': 'VLAN tag to apply '
                                                                                'to packets on '
                                                                                'this interface.',
                                                                 'maximum': 4094,
                                                                 'minimum': 1,
                                                                 'optional': 1,
                                                                 'type': 'integer'},
                                                         'trunks': {'description': 'VLAN trunks to '
                                                                                   'pass through '
                                                                                   'this '
                                                                                   'interface.',
                                                                    'format_description': 'vlanid[;vlanid...]',
                                                                    'optional': 1,
                                                                    'pattern': '(?^:\\d+(?:-\\d+)?(?:;\\d+(?:-\\d+)?)*)',
                                                                    'type': 'string'},
                                                         'virtio': {'alias': 'macaddr',
                                                                    'keyAlias': 'model'},
                                                         'vmxnet3': {'alias': 'macaddr',
                                                                     'keyAlias': 'model'}},
                                              'optional': 1,
                                              'type': 'string'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'pool': {'description': 'Add the VM to the specified pool.',
                                            'format': 'pve-poolid',
                                            'optional': 1,
                                            'type': 'string'},
                                   'start': {'default': 0,
                                             'description': 'Start VM after it was created '
                                                            'successfully.',
                                             'optional': 1,
                                             'type': 'boolean'},
                                   'storage': {'description': 'Default storage.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'optional': 1,
                                               'type': 'string'},
                                   'unique': {'description': 'Assign a unique random ethernet '
                                                             'address.',
                                              'optional': 1,
                                              'requires': 'archive',
                                              'type': 'boolean'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'type': 'string'}},
    ('/nodes/{node}/qemu/{vmid}', 'GET'): {'name': 'vmdiridx',
     'description': 'Directory index',
     'permissions': {'user': 'all'},
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'items': {'properties': {'subdir': {'type': 'string'}}, 'type': 'object'},
                 'links': [{'href': '{subdir}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/nodes/{node}/qemu/{vmid}', 'DELETE'): {'name': 'destroy_vm',
     'description': ('Destroy the VM and  all used/owned volumes. Removes any VM specific '
                     'permissions and firewall rules'),
     'permissions': {'check': ['perm', '/vms/{vmid}', ['VM.Allocate']]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'destroy-unreferenced-disks': {'default': 0,
                                                                  'description': 'If set, destroy '
                                                                                 'additionally all '
                                                                                 'disks not '
                                                                                 'referenced in '
                                                                                 'the config but '
                                                                                 'with a matching '
                                                                                 'VMID from all '
                                                                                 'enabled '
                                                                                 'storages.',
                                                                  'optional': 1,
                                                                  'type': 'boolean'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'purge': {'description': 'Remove VMID from configurations, like '
                                                            'backup & replication jobs and HA.',
                                             'optional': 1,
                                             'type': 'boolean'},
                                   'skiplock': {'description': 'Ignore locks - only root is '
                                                               'allowed to use this option.',
                                                'optional': 1,
                                                'type': 'boolean'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'type': 'string'}},
    ('/nodes/{node}/qemu/{vmid}/config', 'GET'): {'name': 'vm_config',
     'description': ('Get the virtual machine configuration with pending configuration changes '
                     "applied. Set the 'current' parameter to get the current configuration "
                     'instead.'),
     'permissions': {'check': ['perm', '/vms/{vmid}', ['VM.Audit']]},
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'current': {'default': 0,
                                               'description': 'Get current values (instead of '
                                                              'pending values).',
                                               'optional': 1,
                                               'type': 'boolean'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'snapshot': {'description': 'Fetch config values from given '
                                                               'snapshot.',
                                                'format': 'pve-configid',
                                                'maxLength': 40,
                                                'optional': 1,
                                                'type': 'string'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'description': 'The VM configuration.',
                 'properties': {'acpi': {'default': 1,
                                         'description': 'Enable/disable ACPI.',
                                         'optional': 1,
                                         'type': 'boolean'},
                                'affinity': {'description': 'List of host cores used to execute '
                                                            'guest processes, for example: '
                                                            '0,5,8-11',
                                             'format': 'pve-cpuset',
                                             'optional': 1,
                                             'type': 'string'},
                                'agent': {'description': 'Enable/disable communication with the '
                                                         'QEMU Guest Agent and its properties.',
                                          'format': {'enabled': {'default': 0,
                                                                 'default_key': 1,
                                                                 'description': 'Enable/disable '
                                                                                'communication '
                                                                                'with a QEMU Guest '
                                                                                'Agent (QGA) '
                                                                                'running in the '
                                                                                'VM.',
                                                                 'type': 'boolean'},
                                                     'freeze-fs': {'default': 1,
                                                                   'description': 'Freeze guest '
                                                                                  'filesystems '
                                                                                  'through QGA for '
                                                                                  'consistent disk '
                                                                                  'state on '
                                                                                  'operations such '
                                                                                  'as snapshots, '
                                                                                  'backups, '
                                                                                  'replications '
                                                                                  'and clones.',
                                                                   'optional': 1,
                                                                   'type': 'boolean',
                                                                   'verbose_description': 'Whether '
                                                                                          'to '
                                                                                          'issue '
                                                                                          'the '
                                                                                          'guest-fsfreeze-freeze '
                                                                                          'and '
                                                                                          'guest-fsfreeze-thaw '
                                                                                          'QEMU '
                                                                                          'guest '
                                                                                          'agent '
                                                                                          'commands. '
                                                                                          'Backups '
                                                                                          'in '
                                                                                          'snapshot '
                                                                                          'mode, '
                                                                                          'clones, '
                                                                                          'snapshots '
                                                                                          'without '
                                                                                          'RAM, '
                                                                                          'importing '
                                                                                          'disks '
                                                                                          'from a '
                                                                                          'running '
                                                                                          'guest, '
                                                                                          'and '
                                                                                          'replications '
                                                                                          'normally '
                                                                                          'issue a '
                                                                                          'guest-fsfreeze-freeze '
                                                                                          'and a '
                                                                                          'respective '
                                                                                          'thaw '
                                                                                          'command '
                                                                                          'when '
                                                                                          'the '
                                                                                          'QEMU '
                                                                                          'Guest '
                                                                                          'agent '
                                                                                          'option '
                                                                                          'is '
                                                                                          'enabled '
                                                                                          'in the '
                                                                                          "guest's "
                                                                                          'configuration '
                                                                                          'and the '
                                                                                          'agent '
                                                                                          'is '
                                                                                          'running '
                                                                                          'inside '
                                                                                          'of the '
                                                                                          'guest.\n'
                                                                                          '\n'
                                                                                          'The '
                                                                                          'deprecated '
                                                                                          "'freeze-fs-on-backup' "
                                                                                          'setting '
                                                                                          'is '
                                                                                          'treated '
                                                                                          'as an '
                                                                                          'alias '
                                                                                          'for '
                                                                                          'this '
                                                                                          'setting.'},
                                                     'freeze-fs-on-backup': {'alias': 'freeze-fs'},
                                                     'fstrim_cloned_disks': {'default': 0,
                                                                             'description': 'Run '
                                                                                            'fstrim '
                                                                                            'after '
                                                                                            'moving '
                                                                                            'a '
                                                                                            'disk '
                                                                                            'or '
                                                                                            'migrating '
                                                                                            'the '
                                                                                            'VM.',
                                                                             'optional': 1,
                                                                             'type': 'boolean'},
                                                     'guest-fsfreeze': {'alias': 'freeze-fs'},
                                                     'type': {'default': 'virtio',
                                                              'description': 'Select the agent '
                                                                             'type',
                                                              'enum': ['virtio', 'isa'],
                                                              'optional': 1,
                                                              'type': 'string'}},
                                          'optional': 1,
                                          'type': 'string'},
                                'allow-ksm': {'default': 1,
                                              'description': 'Allow memory pages of this guest to '
                                                             'be merged via KSM (Kernel Samepage '
                                                             'Merging).',
                                              'optional': 1,
                                              'type': 'boolean'},
                                'amd-sev': {'description': 'Secure Encrypted Virtualization (SEV) '
                                                           'features by AMD CPUs',
                                            'format': 'pve-qemu-sev-fmt',
                                            'optional': 1,
                                            'type': 'string'},
                                'arch': {'description': 'Virtual processor architecture. Defaults '
                                                        'to the host architecture.',
                                         'enum': ['x86_64', 'aarch64'],
                                         'optional': 1,
                                         'type': 'string'},
                                'args': {'description': 'Arbitrary arguments passed to kvm.',
                                         'optional': 1,
                                         'type': 'string',
                                         'verbose_description': 'Arbitrary arguments passed to '
                                                                'kvm, for example:\n'
                                                                '\n'
                                                                'args: -no-reboot -smbios '
                                                                "'type=0,vendor=FOO'\n"
                                                                '\n'
                                                                'NOTE: this option is for experts '
                                                                'only.\n'},
                                'audio0': {'description': 'Configure a audio device, useful in '
                                                          'combination with QXL/Spice.',
                                           'format': {'device': {'description': 'Configure an '
                                                                                'audio device.',
                                                                 'enum': ['ich9-intel-hda',
                                                                          'intel-hda',
                                                                          'AC97'],
                                                                 'type': 'string'},
                                                      'driver': {'default': 'spice',
                                                                 'description': 'Driver backend '
                                                                                'for the audio '
                                                                                'device.',
                                                                 'enum': ['spice', 'none'],
                                                                 'optional': 1,
                                                                 'type': 'string'}},
                                           'optional': 1,
                                           'type': 'string'},
                                'autostart': {'default': 0,
                                              'description': 'Automatic restart after crash '
                                                             '(currently ignored).',
                                              'optional': 1,
                                              'type': 'boolean'},
                                'balloon': {'description': 'Amount of target RAM for the VM in '
                                                           'MiB. The balloon driver is enabled by '
                                                           'default, unless it is explicitly '
                                                           'disabled by setting the value to zero.',
                                            'minimum': 0,
                                            'optional': 1,
                                            'type': 'integer'},
                                'bios': {'default': 'seabios',
                                         'description': 'Select BIOS implementation.',
                                         'enum': ['seabios', 'ovmf'],
                                         'optional': 1,
                                         'type': 'string'},
                                'boot': {'description': 'Specify guest boot order. Use the '
                                                        "'order=' sub-property as usage with no "
                                                        "key or 'legacy=' is deprecated.",
                                         'format': 'pve-qm-boot',
                                         'optional': 1,
                                         'type': 'string'},
                                'bootdisk': {'description': 'Enable booting from specified disk. '
                                                            "Deprecated: Use 'boot: order=foo;bar' "
                                                            'instead.',
                                             'format': 'pve-qm-bootdisk',
                                             'optional': 1,
                                             'pattern': '(ide|sata|scsi|virtio)\\d+',
                                             'type': 'string'},
                                'cdrom': {'description': 'This is an alias for option -ide2',
                                          'format': 'pve-qm-ide',
                                          'optional': 1,
                                          'type': 'string',
                                          'typetext': '<volume>'},
                                'cicustom': {'description': 'cloud-init: Specify custom files to '
                                                            'replace the automatically generated '
                                                            'ones at start.',
                                             'format': 'pve-qm-cicustom',
                                             'optional': 1,
                                             'type': 'string'},
                                'cipassword': {'description': 'cloud-init: Password to assign the '
                                                              'user. Using this is generally not '
                                                              'recommended. Use ssh keys instead. '
                                                              'Also note that older cloud-init '
                                                              'versions do not support hashed '
                                                              'passwords.',
                                               'optional': 1,
                                               'type': 'string'},
                                'citype': {'description': 'Specifies the cloud-init configuration '
                                                          'format. The default depends on the '
                                                          'configured operating system type '
                                                          '(`ostype`. We use the `nocloud` format '
                                                          'for Linux, and `configdrive2` for '
                                                          'windows.',
                                           'enum': ['configdrive2', 'nocloud', 'opennebula'],
                                           'optional': 1,
                                           'type': 'string'},
                                'ciupgrade': {'default': 1,
                                              'description': 'cloud-init: do an automatic package '
                                                             'upgrade after the first boot.',
                                              'optional': 1,
                                              'type': 'boolean'},
                                'ciuser': {'description': 'cloud-init: User name to change ssh '
                                                          'keys and password for instead of the '
                                                          "image's configured default user.",
                                           'optional': 1,
                                           'type': 'string'},
                                'cores': {'default': 1,
                                          'description': 'The number of cores per socket.',
                                          'minimum': 1,
                                          'optional': 1,
                                          'type': 'integer'},
                                'cpu': {'description': 'Emulated CPU type.',
                                        'format': 'pve-vm-cpu-conf',
                                        'optional': 1,
                                        'type': 'string'},
                                'cpulimit': {'default': 0,
                                             'description': 'Limit of CPU usage.',
                                             'maximum': 128,
                                             'minimum': 0,
                                             'optional': 1,
                                             'type': 'number',
                                             'verbose_description': 'Limit of CPU usage.\n'
                                                                    '\n'
                                                                    'NOTE: If the computer has 2 '
                                                                    "CPUs, it has total of '2' CPU "
                                                                    "time. Value '0' indicates no "
                                                                    'CPU limit.'},
                                'cpuunits': {'default': 'cgroup v1: 1024, cgroup v2: 100',
                                             'description': 'CPU weight for a VM, will be clamped '
                                                            'to [1, 10000] in cgroup v2.',
                                             'maximum': 262144,
                                             'minimum': 1,
                                             'optional': 1,
                                             'type': 'integer',
                                             'verbose_description': 'CPU weight for a VM. Argument '
                                                                    'is used in the kernel fair '
                                                                    'scheduler. The larger the '
                                                                    'number is, the more CPU time '
                                                                    'this VM gets. Number is '
                                                                    'relative to weights of all '
                                                                    'the other running VMs.'},
                                'description': {'description': 'Description for the VM. Shown in '
                                                               "the web-interface VM's summary. "
                                                               'This is saved as comment inside '
                                                               'the configuration file.',
                                                'maxLength': 8192,
                                                'optional': 1,
                                                'type': 'string'},
                                'digest': {'description': 'SHA1 digest of configuration file. This '
                                                          'can be used to prevent concurrent '
                                                          'modifications.',
                                           'type': 'string'},
                                'efidisk0': {'description': 'Configure a disk for storing EFI '
                                                            'vars.',
                                             'format': {'efitype': {'default': '2m',
                                                                    'description': 'Size and type '
                                                                                   'of the OVMF '
                                                                                   "EFI vars. '4m' "
                                                                                   'is newer and '
                                                                                   'recommended, '
                                                                                   'and required '
                                                                                   'for Secure '
                                                                                   'Boot. For '
                                                                                   'backwards '
                                                                                   'compatibility, '
                                                                                   "'2m' is used "
                                                                                   'if not '
                                                                                   'otherwise '
                                                                                   'specified. '
                                                                                   'Ignored for '
                                                                                   'VMs with '
                                                                                   'arch=aarch64 '
                                                                                   '(ARM).',
                                                                    'enum': ['2m', '4m'],
                                                                    'optional': 1,
                                                                    'type': 'string'},
                                                        'file': {'default_key': 1,
                                                                 'description': "The drive's "
                                                                                'backing volume.',
                                                                 'format': 'pve-volume-id-or-qm-path',
                                                                 'format_description': 'volume',
                                                                 'type': 'string'},
                                                        'format': {'description': "The drive's "
                                                                                  "backing file's "
                                                                                  'data format.',
                                                                   'enum': ['raw',
                                                                            'qcow',
                                                                            'qed',
                                                                            'qcow2',
                                                                            'vmdk',
                                                                            'cloop'],
                                                                   'optional': 1,
                                                                   'type': 'string'},
                                                        'ms-cert': {'default': '2011',
                                                                    'description': 'Informational '
                                                                                   'marker '
                                                                                   'indicating the '
                                                                                   'version of the '
                                                                                   'latest '
                                                                                   'Microsoft UEFI '
                                                                                   'certificates '
                                                                                   'that have been '
                                                                                   'enrolled by '
                                                                                   'Proxmox VE. '
                                                                                   'The value '
                                                                                   "'2023k' means "
                                                                                   'that the '
                                                                                   "'Microsoft "
                                                                                   "UEFI CA 2023', "
                                                                                   "the 'Windows "
                                                                                   "UEFI CA 2023' "
                                                                                   'and the '
                                                                                   "'Microsoft "
                                                                                   'Corporation '
                                                                                   'KEK 2K CA '
                                                                                   "2023' "
                                                                                   'certificates '
                                                                                   'are included. '
                                                                                   'The values '
                                                                                   "'2023' and "
                                                                                   "'2023w' are "
                                                                                   'deprecated and '
                                                                                   'for '
                                                                                   'compatibility '
                                                                                   'only.',
                                                                    'enum': ['2011',
                                                                             '2023',
                                                                             '2023w',
                                                                             '2023k'],
                                                                    'optional': 1,
                                                                    'type': 'string'},
                                                        'pre-enrolled-keys': {'default': 0,
                                                                              'description': 'Use '
                                                                                             'am '
                                                                                             'EFI '
                                                                                             'vars '
                                                                                             'template '
                                                                                             'with '
                                                                                             'distribution-specific '
                                                                                             'and '
                                                                                             'Microsoft '
                                                                                             'Standard '
                                                                                             'keys '
                                                                                             'enrolled, '
                                                                                             'if '
                                                                                             'used '
                                                                                             'with '
                                                                                             "'efitype=4m'. "
                                                                                             'Note '
                                                                                             'that '
                                                                                             'this '
                                                                                             'will '
                                                                                             'enable '
                                                                                             'Secure '
                                                                                             'Boot '
                                                                                             'by '
                                                                                             'default, '
                                                                                             'though '
                                                                                             'it '
                                                                                             'can '
                                                                                             'still '
                                                                                             'be '
                                                                                             'turned '
                                                                                             'off '
                                                                                             'from '
                                                                                             'within '
                                                                                             'the '
                                                                                             'VM.',
                                                                              'optional': 1,
                                                                              'type': 'boolean'},
                                                        'size': {'description': 'Disk size. This '
                                                                                'is purely '
                                                                                'informational and '
                                                                                'has no effect.',
                                                                 'format': 'disk-size',
                                                                 'format_description': 'DiskSize',
                                                                 'optional': 1,
                                                                 'type': 'string'},
                                                        'volume': {'alias': 'file'}},
                                             'optional': 1,
                                             'type': 'string'},
                                'freeze': {'description': "Freeze CPU at startup (use 'c' monitor "
                                                          'command to start execution).',
                                           'optional': 1,
                                           'type': 'boolean'},
                                'hookscript': {'description': 'Script that will be executed during '
                                                              'various steps in the vms lifetime.',
                                               'format': 'pve-volume-id',
                                               'optional': 1,
                                               'type': 'string'},
                                'hostpci[n]': {'description': 'Map host PCI devices into guest.',
                                               'format': 'pve-qm-hostpci',
                                               'optional': 1,
                                               'type': 'string',
                                               'verbose_description': 'Map host PCI devices into '
                                                                      'guest.\n'
                                                                      '\n'
                                                                      'NOTE: This option allows '
                                                                      'direct access to host '
                                                                      'hardware. So it is no '
                                                                      'longer\n'
                                                                      'possible to migrate such '
                                                                      'machines - use with special '
                                                                      'care.\n'
                                                                      '\n'
                                                                      'CAUTION: Experimental! User '
                                                                      'reported problems with this '
                                                                      'option.\n'},
                                'hotplug': {'default': 'network,disk,usb',
                                            'description': 'Selectively enable hotplug features. '
                                                           'This is a comma separated list of '
                                                           "hotplug features: 'network', 'disk', "
                                                           "'cpu', 'memory', 'usb' and "
                                                           "'cloudinit'. Use '0' to disable "
                                                           "hotplug completely. Using '1' as value "
                                                           'is an alias for the default '
                                                           '`network,disk,usb`. USB hotplugging is '
                                                           'possible for guests with machine '
                                                           'version >= 7.1 and ostype l26 or '
                                                           'windows > 7.',
                                            'format': 'pve-hotplug-features',
                                            'optional': 1,
                                            'type': 'string'},
                                'hugepages': {'description': 'Enables hugepages memory.\n'
                                                             '\n'
                                                             'Sets the size of hugepages in MiB. '
                                                             "If the value is set to 'any' then 1 "
                                                             'GiB hugepages will be used if '
                                                             'possible, otherwise the size will '
                                                             'fall back to 2 MiB.',
                                              'enum': ['any', '2', '1024'],
                                              'optional': 1,
                                              'type': 'string'},
                                'ide[n]': {'description': 'Use volume as IDE hard disk or CD-ROM '
                                                          '(n is 0 to 3).',
                                           'format': {'aio': {'description': 'AIO type to use.',
                                                              'enum': ['native',
                                                                       'threads',
                                                                       'io_uring'],
                                                              'optional': 1,
                                                              'type': 'string'},
                                                      'backup': {'description': 'Whether the drive '
                                                                                'should be '
                                                                                'included when '
                                                                                'making backups.',
                                                                 'optional': 1,
                                                                 'type': 'boolean'},
                                                      'bps': {'description': 'Maximum r/w speed in '
                                                                             'bytes per second.',
                                                              'format_description': 'bps',
                                                              'optional': 1,
                                                              'type': 'integer'},
                                                      'bps_max_length': {'description': 'Maximum '
                                                                                        'length of '
                                                                                        'I/O '
                                                                                        'bursts in '
                                                                                        'seconds.',
                                                                         'format_description': 'seconds',
                                                                         'minimum': 1,
                                                                         'optional': 1,
                                                                         'type': 'integer'},
                                                      'bps_rd': {'description': 'Maximum read '
                                                                                'speed in bytes '
                                                                                'per second.',
                                                                 'format_description': 'bps',
                                                                 'optional': 1,
                                                                 'type': 'integer'},
                                                      'bps_rd_length': {'alias': 'bps_rd_max_length'},
                                                      'bps_rd_max_length': {'description': 'Maximum '
                                                                                           'length '
                                                                                           'of '
                                                                                           'read '
                                                                                           'I/O '
                                                                                           'bursts '
                                                                                           'in '
                                                                                           'seconds.',
                                                                            'format_description': 'seconds',
                                                                            'minimum': 1,
                                                                            'optional': 1,
                                                                            'type': 'integer'},
                                                      'bps_wr': {'description': 'Maximum write '
                                                                                'speed in bytes '
                                                                                'per second.',
                                                                 'format_description': 'bps',
                                                                 'optional': 1,
                                                                 'type': 'integer'},
                                                      'bps_wr_length': {'alias': 'bps_wr_max_length'},
                                                      'bps_wr_max_length': {'description': 'Maximum '
                                                                                           'length '
                                                                                           'of '
                                                                                           'write '
                                                                                           'I/O '
                                                                                           'bursts '
                                                                                           'in '
                                                                                           'seconds.',
                                                                            'format_description': 'seconds',
                                                                            'minimum': 1,
                                                                            'optional': 1,
                                                                            'type': 'integer'},
                                                      'cache': {'description': "The drive's cache "
                                                                               'mode',
                                                                'enum': ['none',
                                                                         'writethrough',
                                                                         'writeback',
                                                                         'unsafe',
                                                                         'directsync'],
                                                                'optional': 1,
                                                                'type': 'string'},
                                                      'detect_zeroes': {'description': 'Controls '
                                                                                       'whether to '
                                                                                       'detect and '
                                                                                       'try to '
                                                                                       'optimize '
                                                                                       'writes of '
                                                                                       'zeroes.',
                                                                        'optional': 1,
                                                                        'type': 'boolean'},
                                                      'discard': {'description': 'Controls whether '
                                                                                 'to pass '
                                                                                 'discard/trim '
                                                                                 'requests to the '
                                                                                 'underlying '
                                                                                 'storage.',
                                                                  'enum': ['ignore', 'on'],
                                                                  'optional': 1,
                                                                  'type': 'string'},
                                                      'file': {'default_key': 1,
                                                               'description': "The drive's backing "
                                                                              'volume.',
                                                               'format': 'pve-volume-id-or-qm-path',
                                                               'format_description': 'volume',
                                                               'type': 'string'},
                                                      'format': {'description': "The drive's "
                                                                                "backing file's "
                                                                                'data format.',
                                                                 'enum': ['raw',
                                                                          'qcow',
                                                                          'qed',
                                                                          'qcow2',
                                                                          'vmdk',
                                                                          'cloop'],
                                                                 'optional': 1,
                                                                 'type': 'string'},
                                                      'iops': {'description': 'Maximum r/w I/O in '
                                                                              'operations per '
                                                                              'second.',
                                                               'format_description': 'iops',
                                                               'optional': 1,
                                                               'type': 'integer'},
                                                      'iops_max': {'description': 'Maximum '
                                                                                  'unthrottled r/w '
                                                                                  'I/O pool in '
                                                                                  'operations per '
                                                                                  'second.',
                                                                   'format_description': 'iops',
                                                                   'optional': 1,
                                                                   'type': 'integer'},
                                                      'iops_max_length': {'description': 'Maximum '
                                                                                         'length '
                                                                                         'of I/O '
                                                                                         'bursts '
                                                                                         'in '
                                                                                         'seconds.',
                                                                          'format_description': 'seconds',
                                                                          'minimum': 1,
                                                                          'optional': 1,
                                                                          'type': 'integer'},
                                                      'iops_rd': {'description': 'Maximum read I/O '
                                                                                 'in operations '
                                                                                 'per second.',
                                                                  'format_description': 'iops',
                                                                  'optional': 1,
                                                                  'type': 'integer'},
                                                      'iops_rd_length': {'alias': 'iops_rd_max_length'},
                                                      'iops_rd_max': {'description': 'Maximum '
                                                                                     'unthrottled '
                                                                                     'read I/O '
                                                                                     'pool in '
                                                                                     'operations '
                                                                                     'per second.',
                                                                      'format_description': 'iops',
                                                                      'optional': 1,
                                                                      'type': 'integer'},
                                                      'iops_rd_max_length': {'description': 'Maximum '
                                                                                            'length '
                                                                                            'of '
                                                                                            'read '
                                                                                            'I/O '
                                                                                            'bursts '
                                                                                            'in '
                                                                                            'seconds.',
                                                                             'format_description': 'seconds',
                                                                             'minimum': 1,
                                                                             'optional': 1,
                                                                             'type': 'integer'},
                                                      'iops_wr': {'description': 'Maximum write '
                                                                                 'I/O in '
                                                                                 'operations per '
                                                                                 'second.',
                                                                  'format_description': 'iops',
                                                                  'optional': 1,
                                                                  'type': 'integer'},
                                                      'iops_wr_length': {'alias': 'iops_wr_max_length'},
                                                      'iops_wr_max': {'description': 'Maximum '
                                                                                     'unthrottled '
                                                                                     'write I/O '
                                                                                     'pool in '
                                                                                     'operations '
                                                                                     'per second.',
                                                                      'format_description': 'iops',
                                                                      'optional': 1,
                                                                      'type': 'integer'},
                                                      'iops_wr_max_length': {'description': 'Maximum '
                                                                                            'length '
                                                                                            'of '
                                                                                            'write '
                                                                                            'I/O '
                                                                                            'bursts '
                                                                                            'in '
                                                                                            'seconds.',
                                                                             'format_description': 'seconds',
                                                                             'minimum': 1,
                                                                             'optional': 1,
                                                                             'type': 'integer'},
                                                      'mbps': {'description': 'Maximum r/w speed '
                                                                              'in megabytes per '
                                                                              'second.',
                                                               'format_description': 'mbps',
                                                               'optional': 1,
                                                               'type': 'number'},
                                                      'mbps_max': {'description': 'Maximum '
                                                                                  'unthrottled r/w '
                                                                                  'pool in '
                                                                                  'megabytes per '
                                                                                  'second.',
                                                                   'format_description': 'mbps',
                                                                   'optional': 1,
                                                                   'type': 'number'},
                                                      'mbps_rd': {'description': 'Maximum read '
                                                                                 'speed in '
                                                                                 'megabytes per '
                                                                                 'second.',
                                                                  'format_description': 'mbps',
                                                                  'optional': 1,
                                                                  'type': 'number'},
                                                      'mbps_rd_max': {'description': 'Maximum '
                                                                                     'unthrottled '
                                                                                     'read pool in '
                                                                                     'megabytes '
                                                                                     'per second.',
                                                                      'format_description': 'mbps',
                                                                      'optional': 1,
                                                                      'type': 'number'},
                                                      'mbps_wr': {'description': 'Maximum write '
                                                                                 'speed in '
                                                                                 'megabytes per '
                                                                                 'second.',
                                                                  'format_description': 'mbps',
                                                                  'optional': 1,
                                                                  'type': 'number'},
                                                      'mbps_wr_max': {'description': 'Maximum '
                                                                                     'unthrottled '
                                                                                     'write pool '
                                                                                     'in megabytes '
                                                                                     'per second.',
                                                                      'format_description': 'mbps',
                                                                      'optional': 1,
                                                                      'type': 'number'},
                                                      'media': {'default': 'disk',
                                                                'description': "The drive's media "
                                                                               'type.',
                                                                'enum': ['cdrom', 'disk'],
                                                                'optional': 1,
                                                                'type': 'string'},
                                                      'model': {'description': "The drive's "
                                                                               'reported model '
                                                                               'name, url-encoded, '
                                                                               'up to 40 bytes '
                                                                               'long.',
                                                                'format': 'urlencoded',
                                                                'format_description': 'model',
                                                                'maxLength': 120,
                                                                'optional': 1,
                                                                'type': 'string'},
                                                      'replicate': {'default': 1,
                                                                    'description': 'Whether the '
                                                                                   'drive should '
                                                                                   'considered for '
                                                                                   'replication '
                                                                                   'jobs.',
                                                                    'optional': 1,
                                                                    'type': 'boolean'},
                                                      'rerror': {'description': 'Read error '
                                                                                'action.',
                                                                 'enum': ['ignore',
                                                                          'report',
                                                                          'stop'],
                                                                 'optional': 1,
                                                                 'type': 'string'},
                                                      'serial': {'description': "The drive's "
                                                                                'reported serial '
                                                                                'number, '
                                                                                'url-encoded, up '
                                                                                'to 20 bytes long.',
                                                                 'format': 'urlencoded',
                                                                 'format_description': 'serial',
                                                                 'maxLength': 60,
                                                                 'optional': 1,
                                                                 'type': 'string'},
                                                      'shared': {'default': 0,
                                                                 'description': 'Mark this '
                                                                                'locally-managed '
                                                                                'volume as '
                                                                                'available on all '
                                                                                'nodes',
                                                                 'optional': 1,
                                                                 'type': 'boolean',
                                                                 'verbose_description': 'Mark this '
                                                                                        'locally-managed '
                                                                                        'volume as '
                                                                                        'available '
                                                                                        'on all '
                                                                                        'nodes.\n'
                                                                                        '\n'
                                                                                        'WARNING: '
                                                                                        'This '
                                                                                        'option '
                                                                                        'does not '
                                                                                        'share the '
                                                                                        'volume '
                                                                                        'automatically, '
                                                                                        'it '
                                                                                        'assumes '
                                                                                        'it is '
                                                                                        'shared '
                                                                                        'already!'},
                                                      'size': {'description': 'Disk size. This is '
                                                                              'purely '
                                                                              'informational and '
                                                                              'has no effect.',
                                                               'format': 'disk-size',
                                                               'format_description': 'DiskSize',
                                                               'optional': 1,
                                                               'type': 'string'},
                                                      'snapshot': {'description': "Controls qemu's "
                                                                                  'snapshot mode '
                                                                                  'feature. If '
                                                                                  'activated, '
                                                                                  'changes made to '
                                                                                  'the disk are '
                                                                                  'temporary and '
                                                                                  'will be '
                                                                                  'discarded when '
                                                                                  'the VM is '
                                                                                  'shutdown.',
                                                                   'optional': 1,
                                                                   'type': 'boolean'},
                                                      'ssd': {'description': 'Whether to expose '
                                                                             'this drive as an '
                                                                             'SSD, rather than a '
                                                                             'rotational hard '
                                                                             'disk.',
                                                              'optional': 1,
                                                              'type': 'boolean'},
                                                      'volume': {'alias': 'file'},
                                                      'werror': {'description': 'Write error '
                                                                                'action.',
                                                                 'enum': ['enospc',
                                                                          'ignore',
                                                                          'report',
                                                                          'stop'],
                                                                 'optional': 1,
                                                                 'type': 'string'},
                                                      'wwn': {'description': "The drive's "
                                                                             'worldwide name, '
                                                                             'encoded as 16 bytes '
                                                                             'hex string, prefixed '
                                                                             "by '0x'.",
                                                              'format_description': 'wwn',
                                                              'optional': 1,
                                                              'pattern': '(?^:^(0x)[0-9a-fA-F]{16})',
                                                              'type': 'string'}},
                                           'optional': 1,
                                           'type': 'string'},
                                'intel-tdx': {'description': 'Trusted Domain Extension (TDX) '
                                                             'features by Intel CPUs',
                                              'format': 'pve-qemu-tdx-fmt',
                                              'optional': 1,
                                              'type': 'string'},
                                'ipconfig[n]': {'description': 'cloud-init: Specify IP addresses '
                                                               'and gateways for the corresponding '
                                                               'interface.\n'
                                                               '\n'
                                                               'IP addresses use CIDR notation, '
                                                               'gateways are optional but need an '
                                                               'IP of the same type specified.\n'
                                                               '\n'
                                                               "The special string 'dhcp' can be "
                                                               'used for IP addresses to use DHCP, '
                                                               'in which case no explicit\n'
                                                               'gateway should be provided.\n'
                                                               "For IPv6 the special string 'auto' "
                                                               'can be used to use stateless '
                                                               'autoconfiguration. This requires\n'
                                                               'cloud-init 19.4 or newer.\n'
                                                               '\n'
                                                               'If cloud-init is enabled and '
                                                               'neither an IPv4 nor an IPv6 '
                                                               'address is specified, it defaults '
                                                               'to using\n'
                                                               'dhcp on IPv4.\n',
                                                'format': 'pve-qm-ipconfig',
                                                'optional': 1,
                                                'type': 'string'},
                                'ivshmem': {'description': 'Inter-VM shared memory. Useful for '
                                                           'direct communication between VMs, or '
                                                           'to the host.',
                                            'format': {'name': {'description': 'The name of the '
                                                                               'file. Will be '
                                                                               'prefixed with '
                                                                               "'pve-shm-'. "
                                                                               'Default is the '
                                                                               'VMID. Will be '
                                                                               'deleted when the '
                                                                               'VM is stopped.',
                                                                'format_description': 'string',
                                                                'optional': 1,
                                                                'pattern': '[a-zA-Z0-9\\-]+',
                                                                'type': 'string'},
                                                       'size': {'description': 'The size of the '
                                                                               'file in MB.',
                                                                'minimum': 1,
                                                                'type': 'integer'}},
                                            'optional': 1,
                                            'type': 'string'},
                                'keephugepages': {'default': 0,
                                                  'description': 'Use together with hugepages. If '
                                                                 'enabled, hugepages will not not '
                                                                 'be deleted after VM shutdown and '
                                                                 'can be used for subsequent '
                                                                 'starts.',
                                                  'optional': 1,
                                                  'type': 'boolean'},
                                'keyboard': {'default': None,
                                             'description': 'Keyboard layout for VNC server. This '
                                                            'option is generally not required and '
                                                            'is often better handled from within '
                                                            'the guest OS.',
                                             'enum': ['de',
                                                      'de-ch',
                                                      'da',
                                                      'en-gb',
                                                      'en-us',
                                                      'es',
                                                      'fi',
                                                      'fr',
                                                      'fr-be',
                                                      'fr-ca',
                                                      'fr-ch',
                                                      'hu',
                                                      'is',
                                                      'it',
                                                      'ja',
                                                      'lt',
                                                      'mk',
                                                      'nl',
                                                      'no',
                                                      'pl',
                                                      'pt',
                                                      'pt-br',
                                                      'sv',
                                                      'sl',
                                                      'tr'],
                                             'optional': 1,
                                             'type': 'string'},
                                'kvm': {'default': 1,
                                        'description': 'Enable/disable KVM hardware '
                                                       'virtualization.',
                                        'optional': 1,
                                        'type': 'boolean'},
                                'localtime': {'description': 'Set the real time clock (RTC) to '
                                                             'local time. This is enabled by '
                                                             'default if the `ostype` indicates a '
                                                             'Microsoft Windows OS.',
                                              'optional': 1,
                                              'type': 'boolean'},
                                'lock': {'description': 'Lock/unlock the VM.',
                                         'enum': ['backup',
                                                  'clone',
                                                  'create',
                                                  'migrate',
                                                  'rollback',
                                                  'snapshot',
                                                  'snapshot-delete',
                                                  'suspending',
                                                  'suspended'],
                                         'optional': 1,
                                         'type': 'string'},
                                'machine': {'description': 'Specify the QEMU machine.',
                                            'format': {'aw-bits': {'description': 'Specifies the '
                                                                                  'vIOMMU address '
                                                                                  'space bit '
                                                                                  'width.',
                                                                   'maximum': 64,
                                                                   'minimum': 32,
                                                                   'optional': 1,
                                                                   'type': 'number',
                                                                   'verbose_description': 'Specifies '
                                                                                          'the '
                                                                                          'vIOMMU '
                                                                                          'address '
                                                                                          'space '
                                                                                          'bit '
                                                                                          'width.\n'
                                                                                          '\n'
                                                                                          'Intel '
                                                                                          'vIOMMU '
                                                                                          'supports '
                                                                                          'a bit '
                                                                                          'width '
                                                                                          'of '
                                                                                          'either '
                                                                                          '39 or '
                                                                                          '48 bits '
                                                                                          'and '
                                                                                          'VirtIO '
                                                                                          'vIOMMU '
                                                                                          'supports '
                                                                                          'any bit '
                                                                                          'width '
                                                                                          'between '
                                                                                          '32 and '
                                                                                          '64 '
                                                                                          'bits.'},
                                                       'enable-s3': {'description': 'Enables S3 '
                                                                                    'power state. '
                                                                                    'Defaults to '
                                                                                    'false '
                                                                                    'beginning '
                                                                                    'with machine '
                                                                                    'types '
                                                                                    '9.2+pve1, '
                                                                                    'true before.',
                                                                     'optional': 1,
                                                                     'type': 'boolean'},
                                                       'enable-s4': {'description': 'Enables S4 '
                                                                                    'power state. '
                                                                                    'Defaults to '
                                                                                    'false '
                                                                                    'beginning '
                                                                                    'with machine '
                                                                                    'types '
                                                                                    '9.2+pve1, '
                                                                                    'true before.',
                                                                     'optional': 1,
                                                                     'type': 'boolean'},
                                                       'type': {'default_key': 1,
                                                                'description': 'Specifies the QEMU '
                                                                               'machine type.',
                                                                'format_description': 'machine '
                                                                                      'type',
                                                                'maxLength': 40,
                                                                'optional': 1,
                                                                'pattern': '(pc|pc(-i440fx)?-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|q35|pc-q35-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|virt(?:-\\d+(\\.\\d+)+)?(\\+pve\\d+)?)',
                                                                'type': 'string'},
                                                       'viommu': {'description': 'Enable and set '
                                                                                 'guest vIOMMU '
                                                                                 'variant (Intel '
                                                                                 'vIOMMU needs q35 '
                                                                                 'to be set as '
                                                                                 'machine type).',
                                                                  'enum': ['intel', 'virtio'],
                                                                  'optional': 1,
                                                                  'type': 'string'}},
                                            'optional': 1,
                                            'type': 'string'},
                                'memory': {'description': 'Memory properties.',
                                           'format': {'current': {'default': 512,
                                                                  'default_key': 1,
                                                                  'description': 'Current amount '
                                                                                 'of online RAM '
                                                                                 'for the VM in '
                                                                                 'MiB. This is the '
                                                                                 'maximum '
                                                                                 'available memory '
                                                                                 'when you use the '
                                                                                 'balloon device.',
                                                                  'minimum': 16,
                                                                  'type': 'integer'}},
                                           'optional': 1,
                                           'type': 'string'},
                                'meta': {'description': 'Some (read-only) meta-information about '
                                                        'this guest.',
                                         'format': {'creation-qemu': {'description': 'The QEMU '
                                                                                     '(machine) '
                                                                                     'version from '
                                                                                     'the time '
                                                                                     'this VM was '
                                                                                     'created.',
                                                                      'optional': 1,
                                                                      'pattern': '\\d+(\\.\\d+)+',
                                                                      'type': 'string'},
                                                    'ctime': {'description': 'The guest creation '
                                                                             'timestamp as UNIX '
                                                                             'epoch time',
                                                              'minimum': 0,
                                                              'optional': 1,
                                                              'type': 'integer'}},
                                         'optional': 1,
                                         'type': 'string'},
                                'migrate_downtime': {'default': 0.1,
                                                     'description': 'Set maximum tolerated '
                                                                    'downtime (in seconds) for '
                                                                    'migrations. Should the '
                                                                    'migration not be able to '
                                                                    'converge in the very end, '
                                                                    'because too much newly '
                                                                    'dirtied RAM needs to be '
                                                                    'transferred, the limit will '
                                                                    'be increased automatically '
                                                                    'step-by-step until migration '
                                                                    'can converge. Will be capped '
                                                                    'to 2000 seconds (maximum in '
                                                                    'QEMU).',
                                                     'minimum': 0,
                                                     'optional': 1,
                                                     'type': 'number'},
                                'migrate_speed': {'default': 0,
                                                  'description': 'Set maximum speed (in MB/s) for '
                                                                 'migrations. Value 0 is no limit.',
                                                  'minimum': 0,
                                                  'optional': 1,
                                                  'type': 'integer'},
                                'name': {'description': 'Set a name for the VM. Only used on the '
                                                        'configuration web interface.',
                                         'format': 'dns-name',
                                         'optional': 1,
                                         'type': 'string'},
                                'nameserver': {'description': 'cloud-init: Sets DNS server IP '
                                                              'address for a container. Create '
                                                              'will automatically use the setting '
                                                              'from the host if neither '
                                                              'searchdomain nor nameserver are '
                                                              'set.',
                                               'format': 'address-list',
                                               'optional': 1,
                                               'type': 'string'},
                                'net[n]': {'description': 'Specify network devices.',
                                           'format': {'bridge': {'description': 'Bridge to attach '
                                                                                'the network '
                                                                                'device to. The '
                                                                                'Proxmox VE '
                                                                                'standard bridge\n'
                                                                                'is called '
                                                                                "'vmbr0'.\n"
                                                                                '\n'
                                                                                'If you do not '
                                                                                'specify a bridge, '
                                                                                'we create a kvm '
                                                                                'user (NATed) '
                                                                                'network\n'
                                                                                'device, which '
                                                                                'provides DHCP and '
                                                                                'DNS services. The '
                                                                                'following '
                                                                                'addresses\n'
                                                                                'are used:\n'
                                                                                '\n'
                                                                                ' 10.0.2.2   '
                                                                                'Gateway\n'
                                                                                ' 10.0.2.3   DNS '
                                                                                'Server\n'
                                                                                ' 10.0.2.4   SMB '
                                                                                'Server\n'
                                                                                '\n'
                                                                                'The DHCP server '
                                                                                'assign addresses '
                                                                                'to the guest '
                                                                                'starting from '
                                                                                '10.0.2.15.\n',
                                                                 'format': 'pve-bridge-id',
                                                                 'format_description': 'bridge',
                                                                 'optional': 1,
                                                                 'type': 'string'},
                                                      'e1000': {'alias': 'macaddr',
                                                                'keyAlias': 'model'},
                                                      'e1000-82540em': {'alias': 'macaddr',
                                                                        'keyAlias': 'model'},
                                                      'e1000-82544gc': {'alias': 'macaddr',
                                                                        'keyAlias': 'model'},
                                                      'e1000-82545em': {'alias': 'macaddr',
                                                                        'keyAlias': 'model'},
                                                      'e1000e': {'alias': 'macaddr',
                                                                 'keyAlias': 'model'},
                                                      'firewall': {'description': 'Whether this '
                                                                                  'interface '
                                                                                  'should be '
                                                                                  'protected by '
                                                                                  'the firewall.',
                                                                   'optional': 1,
                                                                   'type': 'boolean'},
                                                      'i82551': {'alias': 'macaddr',
                                                                 'keyAlias': 'model'},
                                                      'i82557b': {'alias': 'macaddr',
                                                                  'keyAlias': 'model'},
                                                      'i82559er': {'alias': 'macaddr',
                                                                   'keyAlias': 'model'},
                                                      'link_down': {'description': 'Whether this '
                                                                                   'interface '
                                                                                   'should be '
                                                                                   'disconnected '
                                                                                   '(like pulling '
                                                                                   'the plug).',
                                                                    'optional': 1,
                                                                    'type': 'boolean'},
                                                      'macaddr': {'description': 'MAC address. '
                                                                                 'That address '
                                                                                 'must be unique '
                                                                                 'within your '
                                                                                 'network. This is '
                                                                                 'automatically '
                                                                                 'generated if not '
                                                                                 'specified.',
                                                                  'format': 'mac-addr',
                                                                  'format_description': 'XX:XX:XX:XX:XX:XX',
                                                                  'optional': 1,
                                                                  'type': 'string',
                                                                  'verbose_description': 'A common '
                                                                                         'MAC '
                                                                                         'address '
                                                                                         'with the '
                                                                                         'I/G '
                                                                                         '(Individual/Group) '
                                                                                         'bit not '
                                                                                         'set.'},
                                                      'model': {'default_key': 1,
                                                                'description': 'Network Card '
                                                                               'Model. The '
                                                                               "'virtio' model "
                                                                               'provides the best '
                                                                               'performance with '
                                                                               'very low CPU '
                                                                               'overhead. If your '
                                                                               'guest does not '
                                                                               'support this '
                                                                               'driver, it is '
                                                                               'usually best to '
                                                                               "use 'e1000'.",
                                                                'enum': ['e1000',
                                                                         'e1000-82540em',
                                                                         'e1000-82544gc',
                                                                         'e1000-82545em',
                                                                         'e1000e',
                                                                         'i82551',
                                                                         'i82557b',
                                                                         'i82559er',
                                                                         'ne2k_isa',
                                                                         'ne2k_pci',
                                                                         'pcnet',
                                                                         'rtl8139',
                                                                         'virtio',
                                                                         'vmxnet3'],
                                                                'type': 'string'},
                                                      'mtu': {'description': 'Force MTU of network '
                                                                             'device (VirtIO '
                                                                             'only). Setting to '
                                                                             "'1' or empty will "
                                                                             'use the bridge MTU',
                                                              'maximum': 65520,
                                                              'minimum': 1,
                                                              'optional': 1,
                                                              'type': 'integer'},
                                                      'ne2k_isa': {'alias': 'macaddr',
                                                                   'keyAlias': 'model'},
                                                      'ne2k_pci': {'alias': 'macaddr',
                                                                   'keyAlias': 'model'},
                                                      'pcnet': {'alias': 'macaddr',
                                                                'keyAlias': 'model'},
                                                      'queues': {'description': 'Number of packet '
                                                                                'queues to be used '
                                                                                'on the device.',
                                                                 'maximum': 64,
                                                                 'minimum': 0,
                                                                 'optional': 1,
                                                                 'type': 'integer'},
                                                      'rate': {'description': 'Rate limit in mbps '
                                                                              '(megabytes per '
                                                                              'second) as floating '
                                                                              'point number.',
                                                               'minimum': 0,
                                                               'optional': 1,
                                                               'type': 'number'},
                                                      'rtl8139': {'alias': 'macaddr',
                                                                  'keyAlias': 'model'},
                                                      'tag': {'description': 'VLAN tag to apply to '
                                                                             'packets on this '
                                                                             'interface.',
                                                              'maximum': 4094,
                                                              'minimum': 1,
                                                              'optional': 1,
                                                              'type': 'integer'},
                                                      'trunks': {'description': 'VLAN trunks to '
                                                                                'pass through this '
                                                                                'interface.',
                                                                 'format_description': 'vlanid[;vlanid...]',
                                                                 'optional': 1,
                                                                 'pattern': '(?^:\\d+(?:-\\d+)?(?:;\\d+(?:-\\d+)?)*)',
                                                                 'type': 'string'},
                                                      'virtio': {'alias': 'macaddr',
                                                                 'keyAlias': 'model'},
                                                      'vmxnet3': {'alias': 'macaddr',
                                                                  'keyAlias': 'model'}},
                                           'optional': 1,
                                           'type': 'string'},
                                'numa': {'default': 0,
                                         'description': 'Enable/disable NUMA.',
                                         'optional': 1,
                                         'type': 'boolean'},
                                'numa[n]': {'description': 'NUMA topology.',
                                            'format': {'cpus': {'description': 'CPUs accessing '
                                                                               'this NUMA node.',
                                                                'format_description': 'id[-id];...',
                                                                'pattern': '(?^:\\d+(?:-\\d+)?(?:;\\d+(?:-\\d+)?)*)',
                                                                'type': 'string'},
                                                       'hostnodes': {'description': 'Host NUMA '
                                                                                    'nodes to use.',
                                                                     'format_description': 'id[-id];...',
                                                                     'optional': 1,
                                                                     'pattern': '(?^:\\d+(?:-\\d+)?(?:;\\d+(?:-\\d+)?)*)',
                                                                     'type': 'string'},
                                                       'memory': {'description': 'Amount of memory '
                                                                                 'this NUMA node '
                                                                                 'provides.',
                                                                  'optional': 1,
                                                                  'type': 'number'},
                                                       'policy': {'description': 'NUMA allocation '
                                                                                 'policy.',
                                                                  'enum': ['preferred',
                                                                           'bind',
                                                                           'interleave'],
                                                                  'optional': 1,
                                                                  'type': 'string'}},
                                            'optional': 1,
                                            'type': 'string'},
                                'onboot': {'default': 0,
                                           'description': 'Specifies whether a VM will be started '
                                                          'during system bootup.',
                                           'optional': 1,
                                           'type': 'boolean'},
                                'ostype': {'default': 'other',
                                           'description': 'Specify guest operating system.',
                                           'enum': ['other',
                                                    'wxp',
                                                    'w2k',
                                                    'w2k3',
                                                    'w2k8',
                                                    'wvista',
                                                    'win7',
                                                    'win8',
                                                    'win10',
                                                    'win11',
                                                    'l24',
                                                    'l26',
                                                    'solaris'],
                                           'optional': 1,
                                           'type': 'string',
                                           'verbose_description': 'Specify guest operating system. '
                                                                  'This is used to enable special\n'
                                                                  'optimization/features for '
                                                                  'specific operating systems:\n'
                                                                  '\n'
                                                                  '[horizontal]\n'
                                                                  'other;; unspecified OS\n'
                                                                  'wxp;; Microsoft Windows XP\n'
                                                                  'w2k;; Microsoft Windows 2000\n'
                                                                  'w2k3;; Microsoft Windows 2003\n'
                                                                  'w2k8;; Microsoft Windows 2008\n'
                                                                  'wvista;; Microsoft Windows '
                                                                  'Vista\n'
                                                                  'win7;; Microsoft Windows 7\n'
                                                                  'win8;; Microsoft Windows '
                                                                  '8/2012/2012r2\n'
                                                                  'win10;; Microsoft Windows '
                                                                  '10/2016/2019\n'
                                                                  'win11;; Microsoft Windows '
                                                                  '11/2022/2025\n'
                                                                  'l24;; Linux 2.4 Kernel\n'
                                                                  'l26;; Linux 2.6 - 6.X Kernel\n'
                                                                  'solaris;; '
                                                                  'Solaris/OpenSolaris/OpenIndiania '
                                                                  'kernel\n'},
                                'parallel[n]': {'description': 'Map host parallel devices (n is 0 '
                                                               'to 2).',
                                                'optional': 1,
                                                'pattern': '/dev/parport\\d+|/dev/usb/lp\\d+',
                                                'type': 'string',
                                                'verbose_description': 'Map host parallel devices '
                                                                       '(n is 0 to 2).\n'
                                                                       '\n'
                                                                       'NOTE: This option allows '
                                                                       'direct access to host '
                                                                       'hardware. So it is no '
                                                                       'longer possible to migrate '
                                                                       'such\n'
                                                                       'machines - use with '
                                                                       'special care.\n'
                                                                       '\n'
                                                                       'CAUTION: Experimental! '
                                                                       'User reported problems '
                                                                       'with this option.\n'},
                                'parent': {'description': 'Parent snapshot name. This is used '
                                                          'internally, and should not be modified.',
                                           'format': 'pve-configid',
                                           'maxLength': 40,
                                           'optional': 1,
                                           'type': 'string'},
                                'protection': {'default': 0,
                                               'description': 'Sets the protection flag of the VM. '
                                                              'This will disable the remove VM and '
                                                              'remove disk operations.',
                                               'optional': 1,
                                               'type': 'boolean'},
                                'reboot': {'default': 1,
                                           'description': "Allow reboot. If set to '0' the VM exit "
                                                          'on reboot.',
                                           'optional': 1,
                                           'type': 'boolean'},
                                'rng0': {'description': 'Configure a VirtIO-based Random Number '
                                                        'Generator.',
                                         'format': 'pve-qm-rng',
                                         'optional': 1,
                                         'type': 'string'},
                                'running-nets-host-mtu': {'description': 'List of VirtIO network '
                                                                         'devices and their '
                                                                         'effective host_mtu '
                                                                         'setting. A value of 0 '
                                                                         'means that the host_mtu '
                                                                         'parameter is to be '
                                                                         'avoided for the '
                                                                         'corresponding device. '
                                                                         'This is used internally '
                                                                         'for snapshots.',
                                                          'optional': 1,
                                                          'pattern': 'net\\d+=\\d+(,net\\d+=\\d+)*',
                                                          'type': 'string'},
                                'runningcpu': {'description': "Specifies the QEMU '-cpu' parameter "
                                                              'of the running vm. This is used '
                                                              'internally for snapshots.',
                                               'format_description': 'QEMU -cpu parameter',
                                               'optional': 1,
                                               'pattern': '(?^:^((?>[+-]?[\\w\\-\\._=]+,?)+)$)',
                                               'type': 'string'},
                                'runningmachine': {'description': 'Specifies the QEMU machine type '
                                                                  'of the running vm. This is used '
                                                                  'internally for snapshots.',
                                                   'format': {'aw-bits': {'description': 'Specifies '
                                                                                         'the '
                                                                                         'vIOMMU '
                                                                                         'address '
                                                                                         'space '
                                                                                         'bit '
                                                                                         'width.',
                                                                          'maximum': 64,
                                                                          'minimum': 32,
                                                                          'optional': 1,
                                                                          'type': 'number',
                                                                          'verbose_description': 'Specifies '
                                                                                                 'the '
                                                                                                 'vIOMMU '
                                                                                                 'address '
                                                                                                 'space '
                                                                                                 'bit '
                                                                                                 'width.\n'
                                                                                                 '\n'
                                                                                                 'Intel '
                                                                                                 'vIOMMU '
                                                                                                 'supports '
                                                                                                 'a '
                                                                                                 'bit '
                                                                                                 'width '
                                                                                                 'of '
                                                                                                 'either '
                                                                                                 '39 '
                                                                                                 'or '
                                                                                                 '48 '
                                                                                                 'bits '
                                                                                                 'and '
                                                                                                 'VirtIO '
                                                                                                 'vIOMMU '
                                                                                                 'supports '
                                                                                                 'any '
                                                                                                 'bit '
                                                                                                 'width '
                                                                                                 'between '
                                                                                                 '32 '
                                                                                                 'and '
                                                                                                 '64 '
                                                                                                 'bits.'},
                                                              'enable-s3': {'description': 'Enables '
                                                                                           'S3 '
                                                                                           'power '
                                                                                           'state. '
                                                                                           'Defaults '
                                                                                           'to '
                                                                                           'false '
                                                                                           'beginning '
                                                                                           'with '
                                                                                           'machine '
                                                                                           'types '
                                                                                           '9.2+pve1, '
                                                                                           'true '
                                                                                           'before.',
                                                                            'optional': 1,
                                                                            'type': 'boolean'},
                                                              'enable-s4': {'description': 'Enables '
                                                                                           'S4 '
                                                                                           'power '
                                                                                           'state. '
                                                                                           'Defaults '
                                                                                           'to '
                                                                                           'false '
                                                                                           'beginning '
                                                                                           'with '
                                                                                           'machine '
                                                                                           'types '
                                                                                           '9.2+pve1, '
                                                                                           'true '
                                                                                           'before.',
                                                                            'optional': 1,
                                                                            'type': 'boolean'},
                                                              'type': {'default_key': 1,
                                                                       'description': 'Specifies '
                                                                                      'the QEMU '
                                                                                      'machine '
                                                                                      'type.',
                                                                       'format_description': 'machine '
                                                                                             'type',
                                                                       'maxLength': 40,
                                                                       'optional': 1,
                                                                       'pattern': '(pc|pc(-i440fx)?-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|q35|pc-q35-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|virt(?:-\\d+(\\.\\d+)+)?(\\+pve\\d+)?)',
                                                                       'type': 'string'},
                                                              'viommu': {'description': 'Enable '
                                                                                        'and set '
                                                                                        'guest '
                                                                                        'vIOMMU '
                                                                                        'variant '
                                                                                        '(Intel '
                                                                                        'vIOMMU '
                                                                                        'needs q35 '
                                                                                        'to be set '
                                                                                        'as '
                                                                                        'machine '
                                                                                        'type).',
                                                                         'enum': ['intel',
                                                                                  'virtio'],
                                                                         'optional': 1,
                                                                         'type': 'string'}},
                                                   'optional': 1,
                                                   'type': 'string'},
                                'sata[n]': {'description': 'Use volume as SATA hard disk or CD-ROM '
                                                           '(n is 0 to 5).',
                                            'format': {'aio': {'description': 'AIO type to use.',
                                                               'enum': ['native',
                                                                        'threads',
                                                                        'io_uring'],
                                                               'optional': 1,
                                                               'type': 'string'},
                                                       'backup': {'description': 'Whether the '
                                                                                 'drive should be '
                                                                                 'included when '
                                                                                 'making backups.',
                                                                  'optional': 1,
                                                                  'type': 'boolean'},
                                                       'bps': {'description': 'Maximum r/w speed '
                                                                              'in bytes per '
                                                                              'second.',
                                                               'format_description': 'bps',
                                                               'optional': 1,
                                                               'type': 'integer'},
                                                       'bps_max_length': {'description': 'Maximum '
                                                                                         'length '
                                                                                         'of I/O '
                                                                                         'bursts '
                                                                                         'in '
                                                                                         'seconds.',
                                                                          'format_description': 'seconds',
                                                                          'minimum': 1,
                                                                          'optional': 1,
                                                                          'type': 'integer'},
                                                       'bps_rd': {'description': 'Maximum read '
                                                                                 'speed in bytes '
                                                                                 'per second.',
                                                                  'format_description': 'bps',
                                                                  'optional': 1,
                                                                  'type': 'integer'},
                                                       'bps_rd_length': {'alias': 'bps_rd_max_length'},
                                                       'bps_rd_max_length': {'description': 'Maximum '
                                                                                            'length '
                                                                                            'of '
                                                                                            'read '
                                                                                            'I/O '
                                                                                            'bursts '
                                                                                            'in '
                                                                                            'seconds.',
                                                                             'format_description': 'seconds',
                                                                             'minimum': 1,
                                                                             'optional': 1,
                                                                             'type': 'integer'},
                                                       'bps_wr': {'description': 'Maximum write '
                                                                                 'speed in bytes '
                                                                                 'per second.',
                                                                  'format_description': 'bps',
                                                                  'optional': 1,
                                                                  'type': 'integer'},
                                                       'bps_wr_length': {'alias': 'bps_wr_max_length'},
                                                       'bps_wr_max_length': {'description': 'Maximum '
                                                                                            'length '
                                                                                            'of '
                                                                                            'write '
                                                                                            'I/O '
                                                                                            'bursts '
                                                                                            'in '
                                                                                            'seconds.',
                                                                             'format_description': 'seconds',
                                                                             'minimum': 1,
                                                                             'optional': 1,
                                                                             'type': 'integer'},
                                                       'cache': {'description': "The drive's cache "
                                                                                'mode',
                                                                 'enum': ['none',
                                                                          'writethrough',
                                                                          'writeback',
                                                                          'unsafe',
                                                                          'directsync'],
                                                                 'optional': 1,
                                                                 'type': 'string'},
                                                       'detect_zeroes': {'description': 'Controls '
                                                                                        'whether '
                                                                                        'to detect '
                                                                                        'and try '
                                                                                        'to '
                                                                                        'optimize '
                                                                                        'writes of '
                                                                                        'zeroes.',
                                                                         'optional': 1,
                                                                         'type': 'boolean'},
                                                       'discard': {'description': 'Controls '
                                                                                  'whether to pass '
                                                                                  'discard/trim '
                                                                                  'requests to the '
                                                                                  'underlying '
                                                                                  'storage.',
                                                                   'enum': ['ignore', 'on'],
                                                                   'optional': 1,
                                                                   'type': 'string'},
                                                       'file': {'default_key': 1,
                                                                'description': "The drive's "
                                                                               'backing volume.',
                                                                'format': 'pve-volume-id-or-qm-path',
                                                                'format_description': 'volume',
                                                                'type': 'string'},
                                                       'format': {'description': "The drive's "
                                                                                 "backing file's "
                                                                                 'data format.',
                                                                  'enum': ['raw',
                                                                           'qcow',
                                                                           'qed',
                                                                           'qcow2',
                                                                           'vmdk',
                                                                           'cloop'],
                                                                  'optional': 1,
                                                                  'type': 'string'},
                                                       'iops': {'description': 'Maximum r/w I/O in '
                                                                               'operations per '
                                                                               'second.',
                                                                'format_description': 'iops',
                                                                'optional': 1,
                                                                'type': 'integer'},
                                                       'iops_max': {'description': 'Maximum '
                                                                                   'unthrottled '
                                                                                   'r/w I/O pool '
                                                                                   'in operations '
                                                                                   'per second.',
                                                                    'format_description': 'iops',
                                                                    'optional': 1,
                                                                    'type': 'integer'},
                                                       'iops_max_length': {'description': 'Maximum '
                                                                                          'length '
                                                                                          'of I/O '
                                                                                          'bursts '
                                                                                          'in '
                                                                                          'seconds.',
                                                                           'format_description': 'seconds',
                                                                           'minimum': 1,
                                                                           'optional': 1,
                                                                           'type': 'integer'},
                                                       'iops_rd': {'description': 'Maximum read '
                                                                                  'I/O in '
                                                                                  'operations per '
                                                                                  'second.',
                                                                   'format_description': 'iops',
                                                                   'optional': 1,
                                                                   'type': 'integer'},
                                                       'iops_rd_length': {'alias': 'iops_rd_max_length'},
                                                       'iops_rd_max': {'description': 'Maximum '
                                                                                      'unthrottled '
                                                                                      'read I/O '
                                                                                      'pool in '
                                                                                      'operations '
                                                                                      'per second.',
                                                                       'format_description': 'iops',
                                                                       'optional': 1,
                                                                       'type': 'integer'},
                                                       'iops_rd_max_length': {'description': 'Maximum '
                                                                                             'length '
                                                                                             'of '
                                                                                             'read '
                                                                                             'I/O '
                                                                                             'bursts '
                                                                                             'in '
                                                                                             'seconds.',
                                                                              'format_description': 'seconds',
                                                                              'minimum': 1,
                                                                              'optional': 1,
                                                                              'type': 'integer'},
                                                       'iops_wr': {'description': 'Maximum write '
                                                                                  'I/O in '
                                                                                  'operations per '
                                                                                  'second.',
                                                                   'format_description': 'iops',
                                                                   'optional': 1,
                                                                   'type': 'integer'},
                                                       'iops_wr_length': {'alias': 'iops_wr_max_length'},
                                                       'iops_wr_max': {'description': 'Maximum '
                                                                                      'unthrottled '
                                                                                      'write I/O '
                                                                                      'pool in '
                                                                                      'operations '
                                                                                      'per second.',
                                                                       'format_description': 'iops',
                                                                       'optional': 1,
                                                                       'type': 'integer'},
                                                       'iops_wr_max_length': {'description': 'Maximum '
                                                                                             'length '
                                                                                             'of '
                                                                                             'write '
                                                                                             'I/O '
                                                                                             'bursts '
                                                                                             'in '
                                                                                             'seconds.',
                                                                              'format_description': 'seconds',
                                                                              'minimum': 1,
                                                                              'optional': 1,
                                                                              'type': 'integer'},
                                                       'mbps': {'description': 'Maximum r/w speed '
                                                                               'in megabytes per '
                                                                               'second.',
                                                                'format_description': 'mbps',
                                                                'optional': 1,
                                                                'type': 'number'},
                                                       'mbps_max': {'description': 'Maximum '
                                                                                   'unthrottled '
                                                                                   'r/w pool in '
                                                                                   'megabytes per '
                                                                                   'second.',
                                                                    'format_description': 'mbps',
                                                                    'optional': 1,
                                                                    'type': 'number'},
                                                       'mbps_rd': {'description': 'Maximum read '
                                                                                  'speed in '
                                                                                  'megabytes per '
                                                                                  'second.',
                                                                   'format_description': 'mbps',
                                                                   'optional': 1,
                                                                   'type': 'number'},
                                                       'mbps_rd_max': {'description': 'Maximum '
                                                                                      'unthrottled '
                                                                                      'read pool '
                                                                                      'in '
                                                                                      'megabytes '
                                                                                      'per second.',
                                                                       'format_description': 'mbps',
                                                                       'optional': 1,
                                                                       'type': 'number'},
                                                       'mbps_wr': {'description': 'Maximum write '
                                                                                  'speed in '
                                                                                  'megabytes per '
                                                                                  'second.',
                                                                   'format_description': 'mbps',
                                                                   'optional': 1,
                                                                   'type': 'number'},
                                                       'mbps_wr_max': {'description': 'Maximum '
                                                                                      'unthrottled '
                                                                                      'write pool '
                                                                                      'in '
                                                                                      'megabytes '
                                                                                      'per second.',
                                                                       'format_description': 'mbps',
                                                                       'optional': 1,
                                                                       'type': 'number'},
                                                       'media': {'default': 'disk',
                                                                 'description': "The drive's media "
                                                                                'type.',
                                                                 'enum': ['cdrom', 'disk'],
                                                                 'optional': 1,
                                                                 'type': 'string'},
                                                       'replicate': {'default': 1,
                                                                     'description': 'Whether the '
                                                                                    'drive should '
                                                                                    'considered '
                                                                                    'for '
                                                                                    'replication '
                                                                                    'jobs.',
                                                                     'optional': 1,
                                                                     'type': 'boolean'},
                                                       'rerror': {'description': 'Read error '
                                                                                 'action.',
                                                                  'enum': ['ignore',
                                                                           'report',
                                                                           'stop'],
                                                                  'optional': 1,
                                                                  'type': 'string'},
                                                       'serial': {'description': "The drive's "
                                                                                 'reported serial '
                                                                                 'number, '
                                                                                 'url-encoded, up '
                                                                                 'to 20 bytes '
                                                                                 'long.',
                                                                  'format': 'urlencoded',
                                                                  'format_description': 'serial',
                                                                  'maxLength': 60,
                                                                  'optional': 1,
                                                                  'type': 'string'},
                                                       'shared': {'default': 0,
                                                                  'description': 'Mark this '
                                                                                 'locally-managed '
                                                                                 'volume as '
                                                                                 'available on all '
                                                                                 'nodes',
                                                                  'optional': 1,
                                                                  'type': 'boolean',
                                                                  'verbose_description': 'Mark '
                                                                                         'this '
                                                                                         'locally-managed '
                                                                                         'volume '
                                                                                         'as '
                                                                                         'available '
                                                                                         'on all '
                                                                                         'nodes.\n'
                                                                                         '\n'
                                                                                         'WARNING: '
                                                                                         'This '
                                                                                         'option '
                                                                                         'does not '
                                                                                         'share '
                                                                                         'the '
                                                                                         'volume '
                                                                                         'automatically, '
                                                                                         'it '
                                                                                         'assumes '
                                                                                         'it is '
                                                                                         'shared '
                                                                                         'already!'},
                                                       'size': {'description': 'Disk size. This is '
                                                                               'purely '
                                                                               'informational and '
                                                                               'has no effect.',
                                                                'format': 'disk-size',
                                                                'format_description': 'DiskSize',
                                                                'optional': 1,
                                                                'type': 'string'},
                                                       'snapshot': {'description': 'Controls '
                                                                                   "qemu's "
                                                                                   'snapshot mode '
                                                                                   'feature. If '
                                                                                   'activated, '
                                                                                   'changes made '
                                                                                   'to the disk '
                                                                                   'are temporary '
                                                                                   'and will be '
                                                                                   'discarded when '
                                                                                   'the VM is '
                                                                                   'shutdown.',
                                                                    'optional': 1,
                                                                    'type': 'boolean'},
                                                       'ssd': {'description': 'Whether to expose '
                                                                              'this drive as an '
                                                                              'SSD, rather than a '
                                                                              'rotational hard '
                                                                              'disk.',
                                                               'optional': 1,
                                                               'type': 'boolean'},
                                                       'volume': {'alias': 'file'},
                                                       'werror': {'description': 'Write error '
                                                                                 'action.',
                                                                  'enum': ['enospc',
                                                                           'ignore',
                                                                           'report',
                                                                           'stop'],
                                                                  'optional': 1,
                                                                  'type': 'string'},
                                                       'wwn': {'description': "The drive's "
                                                                              'worldwide name, '
                                                                              'encoded as 16 bytes '
                                                                              'hex string, '
                                                                              "prefixed by '0x'.",
                                                               'format_description': 'wwn',
                                                               'optional': 1,
                                                               'pattern': '(?^:^(0x)[0-9a-fA-F]{16})',
                                                               'type': 'string'}},
                                            'optional': 1,
                                            'type': 'string'},
                                'scsi[n]': {'description': 'Use volume as SCSI hard disk or CD-ROM '
                                                           '(n is 0 to 30).',
                                            'format': {'aio': {'description': 'AIO type to use.',
                                                               'enum': ['native',
                                                                        'threads',
                                                                        'io_uring'],
                                                               'optional': 1,
                                                               'type': 'string'},
                                                       'backup': {'description': 'Whether the '
                                                                                 'drive should be '
                                                                                 'included when '
                                                                                 'making backups.',
                                                                  'optional': 1,
                                                                  'type': 'boolean'},
                                                       'bps': {'description': 'Maximum r/w speed '
                                                                              'in bytes per '
                                                                              'second.',
                                                               'format_description': 'bps',
                                                               'optional': 1,
                                                               'type': 'integer'},
                                                       'bps_max_length': {'description': 'Maximum '
                                                                                         'length '
                                                                                         'of I/O '
                                                                                         'bursts '
                                                                                         'in '
                                                                                         'seconds.',
                                                                          'format_description': 'seconds',
                                                                          'minimum': 1,
                                                                          'optional': 1,
                                                                          'type': 'integer'},
                                                       'bps_rd': {'description': 'Maximum read '
                                                                                 'speed in bytes '
                                                                                 'per second.',
                                                                  'format_description': 'bps',
                                                                  'optional': 1,
                                                                  'type': 'integer'},
                                                       'bps_rd_length': {'alias': 'bps_rd_max_length'},
                                                       'bps_rd_max_length': {'description': 'Maximum '
                                                                                            'length '
                                                                                            'of '
                                                                                            'read '
                                                                                            'I/O '
                                                                                            'bursts '
                                                                                            'in '
                                                                                            'seconds.',
                                                                             'format_description': 'seconds',
                                                                             'minimum': 1,
                                                                             'optional': 1,
                                                                             'type': 'integer'},
                                                       'bps_wr': {'description': 'Maximum write '
                                                                                 'speed in bytes '
                                                                                 'per second.',
                                                                  'format_description': 'bps',
                                                                  'optional': 1,
                                                                  'type': 'integer'},
                                                       'bps_wr_length': {'alias': 'bps_wr_max_length'},
                                                       'bps_wr_max_length': {'description': 'Maximum '
                                                                                            'length '
                                                                                            'of '
                                                                                            'write '
                                                                                            'I/O '
                                                                                            'bursts '
                                                                                            'in '
                                                                                            'seconds.',
                                                                             'format_description': 'seconds',
                                                                             'minimum': 1,
                                                                             'optional': 1,
                                                                             'type': 'integer'},
                                                       'cache': {'description': "The drive's cache "
                                                                                'mode',
                                                                 'enum': ['none',
                                                                          'writethrough',
                                                                          'writeback',
                                                                          'unsafe',
                                                                          'directsync'],
                                                                 'optional': 1,
                                                                 'type': 'string'},
                                                       'detect_zeroes': {'description': 'Controls '
                                                                                        'whether '
                                                                                        'to detect '
                                                                                        'and try '
                                                                                        'to '
                                                                                        'optimize '
                                                                                        'writes of '
                                                                                        'zeroes.',
                                                                         'optional': 1,
                                                                         'type': 'boolean'},
                                                       'discard': {'description': 'Controls '
                                                                                  'whether to pass '
                                                                                  'discard/trim '
                                                                                  'requests to the '
                                                                                  'underlying '
                                                                                  'storage.',
                                                                   'enum': ['ignore', 'on'],
                                                                   'optional': 1,
                                                                   'type': 'string'},
                                                       'file': {'default_key': 1,
                                                                'description': "The drive's "
                                                                               'backing volume.',
                                                                'format': 'pve-volume-id-or-qm-path',
                                                                'format_description': 'volume',
                                                                'type': 'string'},
                                                       'format': {'description': "The drive's "
                                                                                 "backing file's "
                                                                                 'data format.',
                                                                  'enum': ['raw',
                                                                           'qcow',
                                                                           'qed',
                                                                           'qcow2',
                                                                           'vmdk',
                                                                           'cloop'],
                                                                  'optional': 1,
                                                                  'type': 'string'},
                                                       'iops': {'description': 'Maximum r/w I/O in '
                                                                               'operations per '
                                                                               'second.',
                                                                'format_description': 'iops',
                                                                'optional': 1,
                                                                'type': 'integer'},
                                                       'iops_max': {'description': 'Maximum '
                                                                                   'unthrottled '
                                                                                   'r/w I/O pool '
                                                                                   'in operations '
                                                                                   'per second.',
                                                                    'format_description': 'iops',
                                                                    'optional': 1,
                                                                    'type': 'integer'},
                                                       'iops_max_length': {'description': 'Maximum '
                                                                                          'length '
                                                                                          'of I/O '
                                                                                          'bursts '
                                                                                          'in '
                                                                                          'seconds.',
                                                                           'format_description': 'seconds',
                                                                           'minimum': 1,
                                                                           'optional': 1,
                                                                           'type': 'integer'},
                                                       'iops_rd': {'description': 'Maximum read '
                                                                                  'I/O in '
                                                                                  'operations per '
                                                                                  'second.',
                                                                   'format_description': 'iops',
                                                                   'optional': 1,
                                                                   'type': 'integer'},
                                                       'iops_rd_length': {'alias': 'iops_rd_max_length'},
                                                       'iops_rd_max': {'description': 'Maximum '
                                                                                      'unthrottled '
                                                                                      'read I/O '
                                                                                      'pool in '
                                                                                      'operations '
                                                                                      'per second.',
                                                                       'format_description': 'iops',
                                                                       'optional': 1,
                                                                       'type': 'integer'},
                                                       'iops_rd_max_length': {'description': 'Maximum '
                                                                                             'length '
                                                                                             'of '
                                                                                             'read '
                                                                                             'I/O '
                                                                                             'bursts '
                                                                                             'in '
                                                                                             'seconds.',
                                                                              'format_description': 'seconds',
                                                                              'minimum': 1,
                                                                              'optional': 1,
                                                                              'type': 'integer'},
                                                       'iops_wr': {'description': 'Maximum write '
                                                                                  'I/O in '
                                                                                  'operations per '
                                                                                  'second.',
                                                                   'format_description': 'iops',
                                                                   'optional': 1,
                                                                   'type': 'integer'},
                                                       'iops_wr_length': {'alias': 'iops_wr_max_length'},
                                                       'iops_wr_max': {'description': 'Maximum '
                                                                                      'unthrottled '
                                                                                      'write I/O '
                                                                                      'pool in '
                                                                                      'operations '
                                                                                      'per second.',
                                                                       'format_description': 'iops',
                                                                       'optional': 1,
                                                                       'type': 'integer'},
                                                       'iops_wr_max_length': {'description': 'Maximum '
                                                                                             'length '
                                                                                             'of '
                                                                                             'write '
                                                                                             'I/O '
                                                                                             'bursts '
                                                                                             'in '
                                                                                             'seconds.',
                                                                              'format_description': 'seconds',
                                                                              'minimum': 1,
                                                                              'optional': 1,
                                                                              'type': 'integer'},
                                                       'iothread': {'description': 'Whether to use '
                                                                                   'iothreads for '
                                                                                   'this drive',
                                                                    'optional': 1,
                                                                    'type': 'boolean'},
                                                       'mbps': {'description': 'Maximum r/w speed '
                                                                               'in megabytes per '
                                                                               'second.',
                                                                'format_description': 'mbps',
                                                                'optional': 1,
                                                                'type': 'number'},
                                                       'mbps_max': {'description': 'Maximum '
                                                                                   'unthrottled '
                                                                                   'r/w pool in '
                                                                                   'megabytes per '
                                                                                   'second.',
                                                                    'format_description': 'mbps',
                                                                    'optional': 1,
                                                                    'type': 'number'},
                                                       'mbps_rd': {'description': 'Maximum read '
                                                                                  'speed in '
                                                                                  'megabytes per '
                                                                                  'second.',
                                                                   'format_description': 'mbps',
                                                                   'optional': 1,
                                                                   'type': 'number'},
                                                       'mbps_rd_max': {'description': 'Maximum '
                                                                                      'unthrottled '
                                                                                      'read pool '
                                                                                      'in '
                                                                                      'megabytes '
                                                                                      'per second.',
                                                                       'format_description': 'mbps',
                                                                       'optional': 1,
                                                                       'type': 'number'},
                                                       'mbps_wr': {'description': 'Maximum write '
                                                                                  'speed in '
                                                                                  'megabytes per '
                                                                                  'second.',
                                                                   'format_description': 'mbps',
                                                                   'optional': 1,
                                                                   'type': 'number'},
                                                       'mbps_wr_max': {'description': 'Maximum '
                                                                                      'unthrottled '
                                                                                      'write pool '
                                                                                      'in '
                                                                                      'megabytes '
                                                                                      'per second.',
                                                                       'format_description': 'mbps',
                                                                       'optional': 1,
                                                                       'type': 'number'},
                                                       'media': {'default': 'disk',
                                                                 'description': "The drive's media "
                                                                                'type.',
                                                                 'enum': ['cdrom', 'disk'],
                                                                 'optional': 1,
                                                                 'type': 'string'},
                                                       'product': {'description': "The drive's "
                                                                                  'product name, '
                                                                                  'up to 16 bytes '
                                                                                  'long.',
                                                                   'format_description': 'product',
                                                                   'optional': 1,
                                                                   'pattern': '[A-Za-z0-9\\-_\\s]{,16}',
                                                                   'type': 'string'},
                                                       'queues': {'description': 'Number of '
                                                                                 'queues.',
                                                                  'minimum': 2,
                                                                  'optional': 1,
                                                                  'type': 'integer'},
                                                       'replicate': {'default': 1,
                                                                     'description': 'Whether the '
                                                                                    'drive should '
                                                                                    'considered '
                                                                                    'for '
                                                                                    'replication '
                                                                                    'jobs.',
                                                                     'optional': 1,
                                                                     'type': 'boolean'},
                                                       'rerror': {'description': 'Read error '
                                                                                 'action.',
                                                                  'enum': ['ignore',
                                                                           'report',
                                                                           'stop'],
                                                                  'optional': 1,
                                                                  'type': 'string'},
                                                       'ro': {'description': 'Whether the drive is '
                                                                             'read-only.',
                                                              'optional': 1,
                                                              'type': 'boolean'},
                                                       'scsiblock': {'default': 0,
                                                                     'description': 'whether to '
                                                                                    'use '
                                                                                    'scsi-block '
                                                                                    'for full '
                                                                                    'passthrough '
                                                                                    'of host block '
                                                                                    'device\n'
                                                                                    '\n'
                                                                                    'WARNING: can '
                                                                                    'lead to I/O '
                                                                                    'errors in '
                                                                                    'combination '
                                                                                    'with low '
                                                                                    'memory or '
                                                                                    'high memory '
                                                                                    'fragmentation '
                                                                                    'on host',
                                                                     'optional': 1,
                                                                     'type': 'boolean'},
                                                       'serial': {'description': "The drive's "
                                                                                 'reported serial '
                                                                                 'number, '
                                                                                 'url-encoded, up '
                                                                                 'to 20 bytes '
                                                                                 'long.',
                                                                  'format': 'urlencoded',
                                                                  'format_description': 'serial',
                                                                  'maxLength': 60,
                                                                  'optional': 1,
                                                                  'type': 'string'},
                                                       'shared': {'default': 0,
                                                                  'description': 'Mark this '
                                                                                 'locally-managed '
                                                                                 'volume as '
                                                                                 'available on all '
                                                                                 'nodes',
                                                                  'optional': 1,
                                                                  'type': 'boolean',
                                                                  'verbose_description': 'Mark '
                                                                                         'this '
                                                                                         'locally-managed '
                                                                                         'volume '
                                                                                         'as '
                                                                                         'available '
                                                                                         'on all '
                                                                                         'nodes.\n'
                                                                                         '\n'
                                                                                         'WARNING: '
                                                                                         'This '
                                                                                         'option '
                                                                                         'does not '
                                                                                         'share '
                                                                                         'the '
                                                                                         'volume '
                                                                                         'automatically, '
                                                                                         'it '
                                                                                         'assumes '
                                                                                         'it is '
                                                                                         'shared '
                                                                                         'already!'},
                                                       'size': {'description': 'Disk size. This is '
                                                                               'purely '
                                                                               'informational and '
                                                                               'has no effect.',
                                                                'format': 'disk-size',
                                                                'format_description': 'DiskSize',
                                                                'optional': 1,
                                                                'type': 'string'},
                                                       'snapshot': {'description': 'Controls '
                                                                                   "qemu's "
                                                                                   'snapshot mode '
                                                                                   'feature. If '
                                                                                   'activated, '
                                                                                   'changes made '
                                                                                   'to the disk '
                                                                                   'are temporary '
                                                                                   'and will be '
                                                                                   'discarded when '
                                                                                   'the VM is '
                                                                                   'shutdown.',
                                                                    'optional': 1,
                                                                    'type': 'boolean'},
                                                       'ssd': {'description': 'Whether to expose '
                                                                              'this drive as an '
                                                                              'SSD, rather than a '
                                                                              'rotational hard '
                                                                              'disk.',
                                                               'optional': 1,
                                                               'type': 'boolean'},
                                                       'vendor': {'description': "The drive's "
                                                                                 'vendor name, up '
                                                                                 'to 8 bytes long.',
                                                                  'format_description': 'vendor',
                                                                  'optional': 1,
                                                                  'pattern': '[A-Za-z0-9\\-_\\s]{,8}',
                                                                  'type': 'string'},
                                                       'volume': {'alias': 'file'},
                                                       'werror': {'description': 'Write error '
                                                                                 'action.',
                                                                  'enum': ['enospc',
                                                                           'ignore',
                                                                           'report',
                                                                           'stop'],
                                                                  'optional': 1,
                                                                  'type': 'string'},
                                                       'wwn': {'description': "The drive's "
                                                                              'worldwide name, '
                                                                              'encoded as 16 bytes '
                                                                              'hex string, '
                                                                              "prefixed by '0x'.",
                                                               'format_description': 'wwn',
                                                               'optional': 1,
                                                               'pattern': '(?^:^(0x)[0-9a-fA-F]{16})',
                                                               'type': 'string'}},
                                            'optional': 1,
                                            'type': 'string'},
                                'scsihw': {'default': 'lsi',
                                           'description': 'SCSI controller model',
                                           'enum': ['lsi',
                                                    'lsi53c810',
                                                    'virtio-scsi-pci',
                                                    'virtio-scsi-single',
                                                    'megasas',
                                                    'pvscsi'],
                                           'optional': 1,
                                           'type': 'string'},
                                'searchdomain': {'description': 'cloud-init: Sets DNS search '
                                                                'domains for a container. Create '
                                                                'will automatically use the '
                                                                'setting from the host if neither '
                                                                'searchdomain nor nameserver are '
                                                                'set.',
                                                 'optional': 1,
                                                 'type': 'string'},
                                'serial[n]': {'description': 'Create a serial device inside the VM '
                                                             '(n is 0 to 3)',
                                              'optional': 1,
                                              'pattern': '(/dev/.+|socket)',
                                              'type': 'string',
                                              'verbose_description': 'Create a serial device '
                                                                     'inside the VM (n is 0 to 3), '
                                                                     'and pass through a\n'
                                                                     'host serial device (i.e. '
                                                                     '/dev/ttyS0), or create a '
                                                                     'unix socket on the\n'
                                                                     "host side (use 'qm terminal' "
                                                                     'to open a terminal '
                                                                     'connection).\n'
                                                                     '\n'
                                                                     'NOTE: If you pass through a '
                                                                     'host serial device, it is no '
                                                                     'longer possible to migrate '
                                                                     'such machines -\n'
                                                                     'use with special care.\n'
                                                                     '\n'
                                                                     'CAUTION: Experimental! User '
                                                                     'reported problems with this '
                                                                     'option.\n'},
                                'shares': {'default': 1000,
                                           'description': 'Amount of memory shares for '
                                                          'auto-ballooning. The larger the number '
                                                          'is, the more memory this VM gets. '
                                                          'Number is relative to weights of all '
                                                          'other running VMs. Using zero disables '
                                                          'auto-ballooning. Auto-ballooning is '
                                                          'done by pvestatd.',
                                           'maximum': 50000,
                                           'minimum': 0,
                                           'optional': 1,
                                           'type': 'integer'},
                                'smbios1': {'description': 'Specify SMBIOS type 1 fields.',
                                            'format': 'pve-qm-smbios1',
                                            'maxLength': 512,
                                            'optional': 1,
                                            'type': 'string'},
                                'smp': {'default': 1,
                                        'description': 'The number of CPUs. Please use option '
                                                       '-sockets instead.',
                                        'minimum': 1,
                                        'optional': 1,
                                        'type': 'integer'},
                                'snaptime': {'description': 'Timestamp for snapshots.',
                                             'minimum': 0,
                                             'optional': 1,
                                             'type': 'integer'},
                                'sockets': {'default': 1,
                                            'description': 'The number of CPU sockets.',
                                            'minimum': 1,
                                            'optional': 1,
                                            'type': 'integer'},
                                'spice_enhancements': {'description': 'Configure additional '
                                                                      'enhancements for SPICE.',
                                                       'format': {'foldersharing': {'default': '0',
                                                                                    'description': 'Enable '
                                                                                                   'folder '
                                                                                                   'sharing '
                                                                                                   'via '
                                                                                                   'SPICE. '
                                                                                                   'Needs '
                                                                                                   'Spice-WebDAV '
                                                                                                   'daemon '
                                                                                                   'installed '
                                                                                                   'in '
                                                                                                   'the '
                                                                                                   'VM.',
                                                                                    'optional': 1,
                                                                                    'type': 'boolean'},
                                                                  'videostreaming': {'default': 'off',
                                                                                     'description': 'Enable '
                                                                                                    'video '
                                                                                                    'streaming. '
                                                                                                    'Uses '
                                                                                                    'compression '
                                                                                                    'for '
                                                                                                    'detected '
                                                                                                    'video '
                                                                                                    'streams.',
                                                                                     'enum': ['off',
                                                                                              'all',
                                                                                              'filter'],
                                                                                     'optional': 1,
                                                                                     'type': 'string'}},
                                                       'optional': 1,
                                                       'type': 'string'},
                                'sshkeys': {'description': 'cloud-init: Setup public SSH keys (one '
                                                           'key per line, OpenSSH format).',
                                            'format': 'urlencoded',
                                            'optional': 1,
                                            'type': 'string'},
                                'startdate': {'default': 'now',
                                              'description': 'Set the initial date of the real '
                                                             'time clock. Valid format for date '
                                                             "are:'now' or '2006-06-17T16:01:21' "
                                                             "or '2006-06-17'.",
                                              'optional': 1,
                                              'pattern': '(now|\\d{4}-\\d{1,2}-\\d{1,2}(T\\d{1,2}:\\d{1,2}:\\d{1,2})?)',
                                              'type': 'string',
                                              'typetext': '(now | YYYY-MM-DD | '
                                                          'YYYY-MM-DDTHH:MM:SS)'},
                                'startup': {'description': 'Startup and shutdown behavior. Order '
                                                           'is a non-negative number defining the '
                                                           'general startup order. Shutdown in '
                                                           'done with reverse ordering. '
                                                           "Additionally you can set the 'up' or "
                                                           "'down' delay in seconds, which "
                                                           'specifies a delay to wait before the '
                                                           'next VM is started or stopped.',
                                            'format': 'pve-startup-order',
                                            'optional': 1,
                                            'type': 'string',
                                            'typetext': '[[order=]\\d+] [,up=\\d+] [,down=\\d+] '},
                                'tablet': {'default': 1,
                                           'description': 'Enable/disable the USB tablet device.',
                                           'optional': 1,
                                           'type': 'boolean',
                                           'verbose_description': 'Enable/disable the USB tablet '
                                                                  'device. This device is usually '
                                                                  'needed to allow absolute mouse '
                                                                  'positioning with VNC. Else the '
                                                                  'mouse runs out of sync with '
                                                                  "normal VNC clients. If you're "
                                                                  'running lots of console-only '
                                                                  'guests on one host, you may '
                                                                  'consider disabling this to save '
                                                                  'some context switches. This is '
                                                                  'turned off by default if you '
                                                                  'use spice (`qm set <vmid> --vga '
                                                                  'qxl`).'},
                                'tags': {'description': 'Tags of the VM. This is only meta '
                                                        'information.',
                                         'format': 'pve-tag-list',
                                         'optional': 1,
                                         'type': 'string'},
                                'tdf': {'default': 0,
                                        'description': 'Enable/disable time drift fix.',
                                        'optional': 1,
                                        'type': 'boolean'},
                                'template': {'default': 0,
                                             'description': 'Enable/disable Template.',
                                             'optional': 1,
                                             'type': 'boolean'},
                                'tpmstate0': {'description': 'Configure a Disk for storing TPM '
                                                             "state. The format is fixed to 'raw'.",
                                              'format': {'file': {'default_key': 1,
                                                                  'description': "The drive's "
                                                                                 'backing volume.',
                                                                  'format': 'pve-volume-id-or-qm-path',
                                                                  'format_description': 'volume',
                                                                  'type': 'string'},
                                                         'format': {'description': 'Format of the '
                                                                                   'image.',
                                                                    'enum': ['raw',
                                                                             'qcow2',
                                                                             'vmdk'],
                                                                    'optional': 1,
                                                                    'type': 'string'},
                                                         'size': {'description': 'Disk size. This '
                                                                                 'is purely '
                                                                                 'informational '
                                                                                 'and has no '
                                                                                 'effect.',
                                                                  'format': 'disk-size',
                                                                  'format_description': 'DiskSize',
                                                                  'optional': 1,
                                                                  'type': 'string'},
                                                         'version': {'default': 'v1.2',
                                                                     'description': 'The TPM '
                                                                                    'interface '
                                                                                    'version. v2.0 '
                                                                                    'is newer and '
                                                                                    'should be '
                                                                                    'preferred. '
                                                                                    'Note that '
                                                                                    'this cannot '
                                                                                    'be changed '
                                                                                    'later on.',
                                                                     'enum': ['v1.2', 'v2.0'],
                                                                     'optional': 1,
                                                                     'type': 'string'},
                                                         'volume': {'alias': 'file'}},
                                              'optional': 1,
                                              'type': 'string'},
                                'unused[n]': {'description': 'Reference to unused volumes. This is '
                                                             'used internally, and should not be '
                                                             'modified manually.',
                                              'format': {'file': {'default_key': 1,
                                                                  'description': "The drive's "
                                                                                 'backing volume.',
                                                                  'format': 'pve-volume-id',
                                                                  'format_description': 'volume',
                                                                  'type': 'string'},
                                                         'volume': {'alias': 'file'}},
                                              'optional': 1,
                                              'type': 'string'},
                                'usb[n]': {'description': 'Configure an USB device (n is 0 to 4, '
                                                          'for machine version >= 7.1 and ostype '
                                                          'l26 or windows > 7, n can be up to 14).',
                                           'format': {'host': {'default_key': 1,
                                                               'description': 'The Host USB device '
                                                                              'or port or the '
                                                                              "value 'spice'. "
                                                                              'HOSTUSBDEVICE '
                                                                              'syntax is:\n'
                                                                              '\n'
                                                                              " 'bus-port(.port)*' "
                                                                              '(decimal numbers) '
                                                                              'or\n'
                                                                              ' '
                                                                              "'vendor_id:product_id' "
                                                                              '(hexadecimal '
                                                                              'numbers) or\n'
                                                                              " 'spice'\n"
                                                                              '\n'
                                                                              'You can use the '
                                                                              "'lsusb -t' command "
                                                                              'to list existing '
                                                                              'usb devices.\n'
                                                                              '\n'
                                                                              'NOTE: This option '
                                                                              'allows direct '
                                                                              'access to host '
                                                                              'hardware. So it is '
                                                                              'no longer possible '
                                                                              'to migrate such\n'
                                                                              'machines - use with '
                                                                              'special care.\n'
                                                                              '\n'
                                                                              "The value 'spice' "
                                                                              'can be used to add '
                                                                              'a usb redirection '
                                                                              'devices for spice.\n'
                                                                              '\n'
                                                                              'Either this or the '
                                                                              "'mapping' key must "
                                                                              'be set.\n',
                                                               'format_description': 'HOSTUSBDEVICE|spice',
                                                               'optional': 1,
                                                               'pattern': '(?^:(?:(?:(?^:(0x)?([0-9A-Fa-f]{4}):(0x)?([0-9A-Fa-f]{4})))|(?:(?^:(\\d+)\\-(\\d+(\\.\\d+)*)))|[Ss][Pp][Ii][Cc][Ee]))',
                                                               'type': 'string'},
                                                      'mapping': {'description': 'The ID of a '
                                                                                 'cluster wide '
                                                                                 'mapping. Either '
                                                                                 'this or the '
                                                                                 'default-key '
                                                                                 "'host' must be "
                                                                                 'set.',
                                                                  'format': 'pve-configid',
                                                                  'format_description': 'mapping-id',
                                                                  'optional': 1,
                                                                  'type': 'string'},
                                                      'usb3': {'default': 0,
                                                               'description': 'Specifies whether '
                                                                              'if given host '
                                                                              'option is a USB3 '
                                                                              'device or port. For '
                                                                              'modern guests '
                                                                              '(machine version >= '
                                                                              '7.1 and ostype l26 '
                                                                              'and windows > 7), '
                                                                              'this flag is '
                                                                              'irrelevant (all '
                                                                              'devices are plugged '
                                                                              'into a xhci '
                                                                              'controller).',
                                                               'optional': 1,
                                                               'type': 'boolean'}},
                                           'optional': 1,
                                           'type': 'string'},
                                'vcpus': {'default': 0,
                                          'description': 'Number of hotplugged vcpus.',
                                          'minimum': 1,
                                          'optional': 1,
                                          'type': 'integer'},
                                'vga': {'description': 'Configure the VGA hardware.',
                                        'format': {'clipboard': {'description': 'Enable a specific '
                                                                                'clipboard. If not '
                                                                                'set, depending on '
                                                                                'the display type '
                                                                                'the SPICE one '
                                                                                'will be added. '
                                                                                'Live migration '
                                                                                'with a VNC '
                                                                                'clipboard is not '
                                                                                'possible with '
                                                                                'QEMU machine '
                                                                                'version < 10.1.',
                                                                 'enum': ['vnc'],
                                                                 'optional': 1,
                                                                 'type': 'string'},
                                                   'memory': {'description': 'Sets the VGA memory '
                                                                             '(in MiB). Has no '
                                                                             'effect with serial '
                                                                             'display.',
                                                              'maximum': 512,
                                                              'minimum': 4,
                                                              'optional': 1,
                                                              'type': 'integer'},
                                                   'type': {'default': 'std',
                                                            'default_key': 1,
                                                            'description': 'Select the VGA type. '
                                                                           "Using type 'cirrus' is "
                                                                           'not recommended.',
                                                            'enum': ['cirrus',
                                                                     'qxl',
                                                                     'qxl2',
                                                                     'qxl3',
                                                                     'qxl4',
                                                                     'none',
                                                                     'serial0',
                                                                     'serial1',
                                                                     'serial2',
                                                                     'serial3',
                                                                     'std',
                                                                     'virtio',
                                                                     'virtio-gl',
                                                                     'vmware'],
                                                            'optional': 1,
                                                            'type': 'string'}},
                                        'optional': 1,
                                        'type': 'string',
                                        'verbose_description': 'Configure the VGA Hardware. If you '
                                                               'want to use high resolution modes '
                                                               '(>= 1280x1024x16) you may need to '
                                                               'increase the vga memory option. '
                                                               'Since QEMU 2.9 the default VGA '
                                                               "display type is 'std' for all OS "
                                                               'types besides some Windows '
                                                               'versions (XP and older) which use '
                                                               "'cirrus'. The 'qxl' option enables "
                                                               'the SPICE display server. For win* '
                                                               'OS you can select how many '
                                                               'independent displays you want, '
                                                               'Linux guests can add displays them '
                                                               'self.\n'
                                                               'You can also run without any '
                                                               'graphic card, using a serial '
                                                               'device as terminal.'},
                                'virtio[n]': {'description': 'Use volume as VIRTIO hard disk (n is '
                                                             '0 to 15).',
                                              'format': {'aio': {'description': 'AIO type to use.',
                                                                 'enum': ['native',
                                                                          'threads',
                                                                          'io_uring'],
                                                                 'optional': 1,
                                                                 'type': 'string'},
                                                         'backup': {'description': 'Whether the '
                                                                                   'drive should '
                                                                                   'be included '
                                                                                   'when making '
                                                                                   'backups.',
                                                                    'optional': 1,
                                                                    'type': 'boolean'},
                                                         'bps': {'description': 'Maximum r/w speed '
                                                                                'in bytes per '
                                                                                'second.',
                                                                 'format_description': 'bps',
                                                                 'optional': 1,
                                                                 'type': 'integer'},
                                                         'bps_max_length': {'description': 'Maximum '
                                                                                           'length '
                                                                                           'of I/O '
                                                                                           'bursts '
                                                                                           'in '
                                                                                           'seconds.',
                                                                            'format_description': 'seconds',
                                                                            'minimum': 1,
                                                                            'optional': 1,
                                                                            'type': 'integer'},
                                                         'bps_rd': {'description': 'Maximum read '
                                                                                   'speed in bytes '
                                                                                   'per second.',
                                                                    'format_description': 'bps',
                                                                    'optional': 1,
                                                                    'type': 'integer'},
                                                         'bps_rd_length': {'alias': 'bps_rd_max_length'},
                                                         'bps_rd_max_length': {'description': 'Maximum '
                                                                                              'length '
                                                                                              'of '
                                                                                              'read '
                                                                                              'I/O '
                                                                                              'bursts '
                                                                                              'in '
                                                                                              'seconds.',
                                                                               'format_description': 'seconds',
                                                                               'minimum': 1,
                                                                               'optional': 1,
                                                                               'type': 'integer'},
                                                         'bps_wr': {'description': 'Maximum write '
                                                                                   'speed in bytes '
                                                                                   'per second.',
                                                                    'format_description': 'bps',
                                                                    'optional': 1,
                                                                    'type': 'integer'},
                                                         'bps_wr_length': {'alias': 'bps_wr_max_length'},
                                                         'bps_wr_max_length': {'description': 'Maximum '
                                                                                              'length '
                                                                                              'of '
                                                                                              'write '
                                                                                              'I/O '
                                                                                              'bursts '
                                                                                              'in '
                                                                                              'seconds.',
                                                                               'format_description': 'seconds',
                                                                               'minimum': 1,
                                                                               'optional': 1,
                                                                               'type': 'integer'},
                                                         'cache': {'description': "The drive's "
                                                                                  'cache mode',
                                                                   'enum': ['none',
                                                                            'writethrough',
                                                                            'writeback',
                                                                            'unsafe',
                                                                            'directsync'],
                                                                   'optional': 1,
                                                                   'type': 'string'},
                                                         'detect_zeroes': {'description': 'Controls '
                                                                                          'whether '
                                                                                          'to '
                                                                                          'detect '
                                                                                          'and try '
                                                                                          'to '
                                                                                          'optimize '
                                                                                          'writes '
                                                                                          'of '
                                                                                          'zeroes.',
                                                                           'optional': 1,
                                                                           'type': 'boolean'},
                                                         'discard': {'description': 'Controls '
                                                                                    'whether to '
                                                                                    'pass '
                                                                                    'discard/trim '
                                                                                    'requests to '
                                                                                    'the '
                                                                                    'underlying '
                                                                                    'storage.',
                                                                     'enum': ['ignore', 'on'],
                                                                     'optional': 1,
                                                                     'type': 'string'},
                                                         'file': {'default_key': 1,
                                                                  'description': "The drive's "
                                                                                 'backing volume.',
                                                                  'format': 'pve-volume-id-or-qm-path',
                                                                  'format_description': 'volume',
                                                                  'type': 'string'},
                                                         'format': {'description': "The drive's "
                                                                                   "backing file's "
                                                                                   'data format.',
                                                                    'enum': ['raw',
                                                                             'qcow',
                                                                             'qed',
                                                                             'qcow2',
                                                                             'vmdk',
                                                                             'cloop'],
                                                                    'optional': 1,
                                                                    'type': 'string'},
                                                         'iops': {'description': 'Maximum r/w I/O '
                                                                                 'in operations '
                                                                                 'per second.',
                                                                  'format_description': 'iops',
                                                                  'optional': 1,
                                                                  'type': 'integer'},
                                                         'iops_max': {'description': 'Maximum '
                                                                                     'unthrottled '
                                                                                     'r/w I/O pool '
                                                                                     'in '
                                                                                     'operations '
                                                                                     'per second.',
                                                                      'format_description': 'iops',
                                                                      'optional': 1,
                                                                      'type': 'integer'},
                                                         'iops_max_length': {'description': 'Maximum '
                                                                                            'length '
                                                                                            'of '
                                                                                            'I/O '
                                                                                            'bursts '
                                                                                            'in '
                                                                                            'seconds.',
                                                                             'format_description': 'seconds',
                                                                             'minimum': 1,
                                                                             'optional': 1,
                                                                             'type': 'integer'},
                                                         'iops_rd': {'description': 'Maximum read '
                                                                                    'I/O in '
                                                                                    'operations '
                                                                                    'per second.',
                                                                     'format_description': 'iops',
                                                                     'optional': 1,
                                                                     'type': 'integer'},
                                                         'iops_rd_length': {'alias': 'iops_rd_max_length'},
                                                         'iops_rd_max': {'description': 'Maximum '
                                                                                        'unthrottled '
                                                                                        'read I/O '
                                                                                        'pool in '
                                                                                        'operations '
                                                                                        'per '
                                                                                        'second.',
                                                                         'format_description': 'iops',
                                                                         'optional': 1,
                                                                         'type': 'integer'},
                                                         'iops_rd_max_length': {'description': 'Maximum '
                                                                                               'length '
                                                                                               'of '
                                                                                               'read '
                                                                                               'I/O '
                                                                                               'bursts '
                                                                                               'in '
                                                                                               'seconds.',
                                                                                'format_description': 'seconds',
                                                                                'minimum': 1,
                                                                                'optional': 1,
                                                                                'type': 'integer'},
                                                         'iops_wr': {'description': 'Maximum write '
                                                                                    'I/O in '
                                                                                    'operations '
                                                                                    'per second.',
                                                                     'format_description': 'iops',
                                                                     'optional': 1,
                                                                     'type': 'integer'},
                                                         'iops_wr_length': {'alias': 'iops_wr_max_length'},
                                                         'iops_wr_max': {'description': 'Maximum '
                                                                                        'unthrottled '
                                                                                        'write I/O '
                                                                                        'pool in '
                                                                                        'operations '
                                                                                        'per '
                                                                                        'second.',
                                                                         'format_description': 'iops',
                                                                         'optional': 1,
                                                                         'type': 'integer'},
                                                         'iops_wr_max_length': {'description': 'Maximum '
                                                                                               'length '
                                                                                               'of '
                                                                                               'write '
                                                                                               'I/O '
                                                                                               'bursts '
                                                                                               'in '
                                                                                               'seconds.',
                                                                                'format_description': 'seconds',
                                                                                'minimum': 1,
                                                                                'optional': 1,
                                                                                'type': 'integer'},
                                                         'iothread': {'description': 'Whether to '
                                                                                     'use '
                                                                                     'iothreads '
                                                                                     'for this '
                                                                                     'drive',
                                                                      'optional': 1,
                                                                      'type': 'boolean'},
                                                         'mbps': {'description': 'Maximum r/w '
                                                                                 'speed in '
                                                                                 'megabytes per '
                                                                                 'second.',
                                                                  'format_description': 'mbps',
                                                                  'optional': 1,
                                                                  'type': 'number'},
                                                         'mbps_max': {'description': 'Maximum '
                                                                                     'unthrottled '
                                                                                     'r/w pool in '
                                                                                     'megabytes '
                                                                                     'per second.',
                                                                      'format_description': 'mbps',
                                                                      'optional': 1,
                                                                      'type': 'number'},
                                                         'mbps_rd': {'description': 'Maximum read '
                                                                                    'speed in '
                                                                                    'megabytes per '
                                                                                    'second.',
                                                                     'format_description': 'mbps',
                                                                     'optional': 1,
                                                                     'type': 'number'},
                                                         'mbps_rd_max': {'description': 'Maximum '
                                                                                        'unthrottled '
                                                                                        'read pool '
                                                                                        'in '
                                                                                        'megabytes '
                                                                                        'per '
                                                                                        'second.',
                                                                         'format_description': 'mbps',
                                                                         'optional': 1,
                                                                         'type': 'number'},
                                                         'mbps_wr': {'description': 'Maximum write '
                                                                                    'speed in '
                                                                                    'megabytes per '
                                                                                    'second.',
                                                                     'format_description': 'mbps',
                                                                     'optional': 1,
                                                                     'type': 'number'},
                                                         'mbps_wr_max': {'description': 'Maximum '
                                                                                        'unthrottled '
                                                                                        'write '
                                                                                        'pool in '
                                                                                        'megabytes '
                                                                                        'per '
                                                                                        'second.',
                                                                         'format_description': 'mbps',
                                                                         'optional': 1,
                                                                         'type': 'number'},
                                                         'media': {'default': 'disk',
                                                                   'description': "The drive's "
                                                                                  'media type.',
                                                                   'enum': ['cdrom', 'disk'],
                                                                   'optional': 1,
                                                                   'type': 'string'},
                                                         'replicate': {'default': 1,
                                                                       'description': 'Whether the '
                                                                                      'drive '
                                                                                      'should '
                                                                                      'considered '
                                                                                      'for '
                                                                                      'replication '
                                                                                      'jobs.',
                                                                       'optional': 1,
                                                                       'type': 'boolean'},
                                                         'rerror': {'description': 'Read error '
                                                                                   'action.',
                                                                    'enum': ['ignore',
                                                                             'report',
                                                                             'stop'],
                                                                    'optional': 1,
                                                                    'type': 'string'},
                                                         'ro': {'description': 'Whether the drive '
                                                                               'is read-only.',
                                                                'optional': 1,
                                                                'type': 'boolean'},
                                                         'serial': {'description': "The drive's "
                                                                                   'reported '
                                                                                   'serial number, '
                                                                                   'url-encoded, '
                                                                                   'up to 20 bytes '
                                                                                   'long.',
                                                                    'format': 'urlencoded',
                                                                    'format_description': 'serial',
                                                                    'maxLength': 60,
                                                                    'optional': 1,
                                                                    'type': 'string'},
                                                         'shared': {'default': 0,
                                                                    'description': 'Mark this '
                                                                                   'locally-managed '
                                                                                   'volume as '
                                                                                   'available on '
                                                                                   'all nodes',
                                                                    'optional': 1,
                                                                    'type': 'boolean',
                                                                    'verbose_description': 'Mark '
                                                                                           'this '
                                                                                           'locally-managed '
                                                                                           'volume '
                                                                                           'as '
                                                                                           'available '
                                                                                           'on all '
                                                                                           'nodes.\n'
                                                                                           '\n'
                                                                                           'WARNING: '
                                                                                           'This '
                                                                                           'option '
                                                                                           'does '
                                                                                           'not '
                                                                                           'share '
                                                                                           'the '
                                                                                           'volume '
                                                                                           'automatically, '
                                                                                           'it '
                                                                                           'assumes '
                                                                                           'it is '
                                                                                           'shared '
                                                                                           'already!'},
                                                         'size': {'description': 'Disk size. This '
                                                                                 'is purely '
                                                                                 'informational '
                                                                                 'and has no '
                                                                                 'effect.',
                                                                  'format': 'disk-size',
                                                                  'format_description': 'DiskSize',
                                                                  'optional': 1,
                                                                  'type': 'string'},
                                                         'snapshot': {'description': 'Controls '
                                                                                     "qemu's "
                                                                                     'snapshot '
                                                                                     'mode '
                                                                                     'feature. If '
                                                                                     'activated, '
                                                                                     'changes made '
                                                                                     'to the disk '
                                                                                     'are '
                                                                                     'temporary '
                                                                                     'and will be '
                                                                                     'discarded '
                                                                                     'when the VM '
                                                                                     'is shutdown.',
                                                                      'optional': 1,
                                                                      'type': 'boolean'},
                                                         'volume': {'alias': 'file'},
                                                         'werror': {'description': 'Write error '
                                                                                   'action.',
                                                                    'enum': ['enospc',
                                                                             'ignore',
                                                                             'report',
                                                                             'stop'],
                                                                    'optional': 1,
                                                                    'type': 'string'}},
                                              'optional': 1,
                                              'type': 'string'},
                                'virtiofs[n]': {'description': 'Configuration for sharing a '
                                                               'directory between host and guest '
                                                               'using Virtio-fs.',
                                                'format': {'cache': {'default': 'auto',
                                                                     'description': 'The caching '
                                                                                    'policy the '
                                                                                    'file system '
                                                                                    'should use '
                                                                                    '(auto, '
                                                                                    'always, '
                                                                                    'metadata, '
                                                                                    'never).',
                                                                     'enum': ['auto',
                                                                              'always',
                                                                              'metadata',
                                                                              'never'],
                                                                     'optional': 1,
                                                                     'type': 'string'},
                                                           'direct-io': {'default': 0,
                                                                         'description': 'Honor the '
                                                                                        'O_DIRECT '
                                                                                        'flag '
                                                                                        'passed '
                                                                                        'down by '
                                                                                        'guest '
                                                                                        'applications.',
                                                                         'optional': 1,
                                                                         'type': 'boolean'},
                                                           'dirid': {'default_key': 1,
                                                                     'description': 'Mapping '
                                                                                    'identifier of '
                                                                                    'the directory '
                                                                                    'mapping to be '
                                                                                    'shared with '
                                                                                    'the guest. '
                                                                                    'Also used as '
                                                                                    'a mount tag '
                                                                                    'inside the '
                                                                                    'VM.',
                                                                     'format': 'pve-configid',
                                                                     'format_description': 'mapping-id',
                                                                     'type': 'string'},
                                                           'expose-acl': {'default': 0,
                                                                          'description': 'Enable '
                                                                                         'support '
                                                                                         'for '
                                                                                         'POSIX '
                                                                                         'ACLs '
                                                                                         '(enabled '
                                                                                         'ACL '
                                                                                         'implies '
                                                                                         'xattr) '
                                                                                         'for this '
                                                                                         'mount.',
                                                                          'optional': 1,
                                                                          'type': 'boolean'},
                                                           'expose-xattr': {'default': 0,
                                                                            'description': 'Enable '
                                                                                           'support '
                                                                                           'for '
                                                                                           'extended '
                                                                                           'attributes '
                                                                                           'for '
                                                                                           'this '
                                                                                           'mount.',
                                                                            'optional': 1,
                                                                            'type': 'boolean'}},
                                                'optional': 1,
                                                'type': 'string'},
                                'vmgenid': {'default': '1 (autogenerated)',
                                            'description': "Set VM Generation ID. Use '1' to "
                                                           'autogenerate on create or update, pass '
                                                           "'0' to disable explicitly.",
                                            'format_description': 'UUID',
                                            'optional': 1,
                                            'pattern': '(?:[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}|[01])',
                                            'type': 'string',
                                            'verbose_description': 'The VM generation ID (vmgenid) '
                                                                   'device exposes a 128-bit '
                                                                   'integer value identifier to '
                                                                   'the guest OS. This allows to '
                                                                   'notify the guest operating '
                                                                   'system when the virtual '
                                                                   'machine is executed with a '
                                                                   'different configuration (e.g. '
                                                                   'snapshot execution or creation '
                                                                   'from a template). The guest '
                                                                   'operating system notices the '
                                                                   'change, and is then able to '
                                                                   'react as appropriate by '
                                                                   'marking its copies of '
                                                                   'distributed databases as '
                                                                   'dirty, re-initializing its '
                                                                   'random number generator, etc.\n'
                                                                   'Note that auto-creation only '
                                                                   'works when done through '
                                                                   'API/CLI create or update '
                                                                   'methods, but not when manually '
                                                                   'editing the config file.'},
                                'vmstate': {'description': 'Reference to a volume which stores the '
                                                           'VM state. This is used internally for '
                                                           'snapshots.',
                                            'format': 'pve-volume-id',
                                            'optional': 1,
                                            'type': 'string'},
                                'vmstatestorage': {'description': 'Default storage for VM state '
                                                                  'volumes/files.',
                                                   'format': 'pve-storage-id',
                                                   'format_description': 'storage ID',
                                                   'optional': 1,
                                                   'type': 'string'},
                                'watchdog': {'description': 'Create a virtual hardware watchdog '
                                                            'device.',
                                             'format': 'pve-qm-watchdog',
                                             'optional': 1,
                                             'type': 'string',
                                             'verbose_description': 'Create a virtual hardware '
                                                                    'watchdog device. Once enabled '
                                                                    '(by a guest action), the '
                                                                    'watchdog must be periodically '
                                                                    'polled by an agent inside the '
                                                                    'guest or else the watchdog '
                                                                    'will reset the guest (or '
                                                                    'execute the respective action '
                                                                    'specified)'}},
                 'type': 'object'}},
    ('/nodes/{node}/qemu/{vmid}/config', 'PUT'): {'name': 'update_vm',
     'description': ('Set virtual machine options (synchronous API) - You should consider using '
                     'the POST method instead for any actions involving hotplug or storage '
                     'allocation.'),
     'permissions': {'check': ['perm',
                               '/vms/{vmid}',
                               ['VM.Config.Disk',
                                'VM.Config.CDROM',
                                'VM.Config.CPU',
                                'VM.Config.Memory',
                                'VM.Config.Network',
                                'VM.Config.HWType',
                                'VM.Config.Options',
                                'VM.Config.Cloudinit'],
                               'any',
                               1]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'delete': {'description': 'A list of settings you want to '
                                                             'delete.',
                                              'format': 'pve-configid-list',
                                              'optional': 1,
                                              'type': 'string'},
                                   'digest': {'description': 'Prevent changes if current '
                                                             'configuration file has different '
                                                             'SHA1 digest. This can be used to '
                                                             'prevent concurrent modifications.',
                                              'maxLength': 40,
                                              'optional': 1,
                                              'type': 'string'},
                                   'force': {'description': 'Force physical removal. Without this, '
                                                            'we simple remove the disk from the '
                                                            'config file and create an additional '
                                                            'configuration entry called '
                                                            "'unused[n]', which contains the "
                                                            'volume ID. Unlink of unused[n] always '
                                                            'cause physical removal.',
                                             'optional': 1,
                                             'requires': 'delete',
                                             'type': 'boolean'},
                                   'net[n]': {'description': 'Specify network devices.',
                                              'format': {'bridge': {'description': 'Bridge to '
                                                                                   'attach the '
                                                                                   'network device '
                                                                                   'to. The '
                                                                                   'Proxmox VE '
                                                                                   'standard '
                                                                                   'bridge\n'
                                                                                   'is called '
                                                                                   "'vmbr0'.\n"
                                                                                   '\n'
                                                                                   'If you do not '
                                                                                   'specify a '
                                                                                   'bridge, we '
                                                                                   'create a kvm '
                                                                                   'user (NATed) '
                                                                                   'network\n'
                                                                                   'device, which '
                                                                                   'provides DHCP '
                                                                                   'and DNS '
                                                                                   'services. The '
                                                                                   'following '
                                                                                   'addresses\n'
                                                                                   'are used:\n'
                                                                                   '\n'
                                                                                   ' 10.0.2.2   '
                                                                                   'Gateway\n'
                                                                                   ' 10.0.2.3   '
                                                                                   'DNS Server\n'
                                                                                   ' 10.0.2.4   '
                                                                                   'SMB Server\n'
                                                                                   '\n'
                                                                                   'The DHCP '
                                                                                   'server assign '
                                                                                   'addresses to '
                                                                                   'the guest '
                                                                                   'starting from '
                                                                                   '10.0.2.15.\n',
                                                                    'format': 'pve-bridge-id',
                                                                    'format_description': 'bridge',
                                                                    'optional': 1,
                                                                    'type': 'string'},
                                                         'e1000': {'alias': 'macaddr',
                                                                   'keyAlias': 'model'},
                                                         'e1000-82540em': {'alias': 'macaddr',
                                                                           'keyAlias': 'model'},
                                                         'e1000-82544gc': {'alias': 'macaddr',
                                                                           'keyAlias': 'model'},
                                                         'e1000-82545em': {'alias': 'macaddr',
                                                                           'keyAlias': 'model'},
                                                         'e1000e': {'alias': 'macaddr',
                                                                    'keyAlias': 'model'},
                                                         'firewall': {'description': 'Whether this '
                                                                                     'interface '
                                                                                     'should be '
                                                                                     'protected by '
                                                                                     'the '
                                                                                     'firewall.',
                                                                      'optional': 1,
                                                                      'type': 'boolean'},
                                                         'i82551': {'alias': 'macaddr',
                                                                    'keyAlias': 'model'},
                                                         'i82557b': {'alias': 'macaddr',
                                                                     'keyAlias': 'model'},
                                                         'i82559er': {'alias': 'macaddr',
                                                                      'keyAlias': 'model'},
                                                         'link_down': {'description': 'Whether '
                                                                                      'this '
                                                                                      'interface '
                                                                                      'should be '
                                                                                      'disconnected '
                                                                                      '(like '
                                                                                      'pulling the '
                                                                                      'plug).',
                                                                       'optional': 1,
                                                                       'type': 'boolean'},
                                                         'macaddr': {'description': 'MAC address. '
                                                                                    'That address '
                                                                                    'must be '
                                                                                    'unique within '
                                                                                    'your network. '
                                                                                    'This is '
                                                                                    'automatically '
                                                                                    'generated if '
                                                                                    'not '
                                                                                    'specified.',
                                                                     'format': 'mac-addr',
                                                                     'format_description': 'XX:XX:XX:XX:XX:XX',
                                                                     'optional': 1,
                                                                     'type': 'string',
                                                                     'verbose_description': 'A '
                                                                                            'common '
                                                                                            'MAC '
                                                                                            'address '
                                                                                            'with '
                                                                                            'the '
                                                                                            'I/G '
                                                                                            '(Individual/Group) '
                                                                                            'bit '
                                                                                            'not '
                                                                                            'set.'},
                                                         'model': {'default_key': 1,
                                                                   'description': 'Network Card '
                                                                                  'Model. The '
                                                                                  "'virtio' model "
                                                                                  'provides the '
                                                                                  'best '
                                                                                  'performance '
                                                                                  'with very low '
                                                                                  'CPU overhead. '
                                                                                  'If your guest '
                                                                                  'does not '
                                                                                  'support this '
                                                                                  'driver, it is '
                                                                                  'usually best to '
                                                                                  "use 'e1000'.",
                                                                   'enum': ['e1000',
                                                                            'e1000-82540em',
                                                                            'e1000-82544gc',
                                                                            'e1000-82545em',
                                                                            'e1000e',
                                                                            'i82551',
                                                                            'i82557b',
                                                                            'i82559er',
                                                                            'ne2k_isa',
                                                                            'ne2k_pci',
                                                                            'pcnet',
                                                                            'rtl8139',
                                                                            'virtio',
                                                                            'vmxnet3'],
                                                                   'type': 'string'},
                                                         'mtu': {'description': 'Force MTU of '
                                                                                'network device '
                                                                                '(VirtIO only). '
                                                                                "Setting to '1' or "
                                                                                'empty will use '
                                                                                'the bridge MTU',
                                                                 'maximum': 65520,
                                                                 'minimum': 1,
                                                                 'optional': 1,
                                                                 'type': 'integer'},
                                                         'ne2k_isa': {'alias': 'macaddr',
                                                                      'keyAlias': 'model'},
                                                         'ne2k_pci': {'alias': 'macaddr',
                                                                      'keyAlias': 'model'},
                                                         'pcnet': {'alias': 'macaddr',
                                                                   'keyAlias': 'model'},
                                                         'queues': {'description': 'Number of '
                                                                                   'packet queues '
                                                                                   'to be used on '
                                                                                   'the device.',
                                                                    'maximum': 64,
                                                                    'minimum': 0,
                                                                    'optional': 1,
                                                                    'type': 'integer'},
                                                         'rate': {'description': 'Rate limit in '
                                                                                 'mbps (megabytes '
                                                                                 'per second) as '
                                                                                 'floating point '
                                                                                 'number.',
                                                                  'minimum': 0,
                                                                  'optional': 1,
                                                                  'type': 'number'},
                                                         'rtl8139': {'alias': 'macaddr',
                                                                     'keyAlias': 'model'},
                                                         'tag': {'description': 'VLAN tag to apply '
                                                                                'to packets on '
                                                                                'this interface.',
                                                                 'maximum': 4094,
                                                                 'minimum': 1,
                                                                 'optional': 1,
                                                                 'type': 'integer'},
                                                         'trunks': {'description': 'VLAN trunks to '
                                                                                   'pass through '
                                                                                   'this '
                                                                                   'interface.',
                                                                    'format_description': 'vlanid[;vlanid...]',
                                                                    'optional': 1,
                                                                    'pattern': '(?^:\\d+(?:-\\d+)?(?:;\\d+(?:-\\d+)?)*)',
                                                                    'type': 'string'},
                                                         'virtio': {'alias': 'macaddr',
                                                                    'keyAlias': 'model'},
                                                         'vmxnet3': {'alias': 'macaddr',
                                                                     'keyAlias': 'model'}},
                                              'optional': 1,
                                              'type': 'string'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'revert': {'description': 'Revert a pending change.',
                                              'format': 'pve-configid-list',
                                              'optional': 1,
                                              'type': 'string'},
                                   'skiplock': {'description': 'Ignore locks - only root is '
                                                               'allowed to use this option.',
                                                'optional': 1,
                                                'type': 'boolean'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'type': 'null'}},
    ('/nodes/{node}/qemu/{vmid}/config', 'POST'): {'name': 'update_vm_async',
     'description': 'Set virtual machine options (asynchronous API).',
     'permissions': {'check': ['perm',
                               '/vms/{vmid}',
                               ['VM.Config.Disk',
                                'VM.Config.CDROM',
                                'VM.Config.CPU',
                                'VM.Config.Memory',
                                'VM.Config.Network',
                                'VM.Config.HWType',
                                'VM.Config.Options',
                                'VM.Config.Cloudinit'],
                               'any',
                               1]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'background_delay': {'description': 'Time to wait for the task '
                                                                       'to finish. We return '
                                                                       "'null' if the task finish "
                                                                       'within that time.',
                                                        'maximum': 30,
                                                        'minimum': 1,
                                                        'optional': 1,
                                                        'type': 'integer'},
                                   'delete': {'description': 'A list of settings you want to '
                                                             'delete.',
                                              'format': 'pve-configid-list',
                                              'optional': 1,
                                              'type': 'string'},
                                   'digest': {'description': 'Prevent changes if current '
                                                             'configuration file has different '
                                                             'SHA1 digest. This can be used to '
                                                             'prevent concurrent modifications.',
                                              'maxLength': 40,
                                              'optional': 1,
                                              'type': 'string'},
                                   'force': {'description': 'Force physical removal. Without this, '
                                                            'we simple remove the disk from the '
                                                            'config file and create an additional '
                                                            'configuration entry called '
                                                            "'unused[n]', which contains the "
                                                            'volume ID. Unlink of unused[n] always '
                                                            'cause physical removal.',
                                             'optional': 1,
                                             'requires': 'delete',
                                             'type': 'boolean'},
                                   'import-working-storage': {'description': 'A file-based storage '
                                                                             "with 'images' "
                                                                             'content-type '
                                                                             'enabled, which is '
                                                                             'used as an '
                                                                             'intermediary '
                                                                             'extraction storage '
                                                                             'during import. '
                                                                             'Defaults to the '
                                                                             'source storage.',
                                                              'format': 'pve-storage-id',
                                                              'format_description': 'storage ID',
                                                              'optional': 1,
                                                              'type': 'string'},
                                   'net[n]': {'description': 'Specify network devices.',
                                              'format': {'bridge': {'description': 'Bridge to '
                                                                                   'attach the '
                                                                                   'network device '
                                                                                   'to. The '
                                                                                   'Proxmox VE '
                                                                                   'standard '
                                                                                   'bridge\n'
                                                                                   'is called '
                                                                                   "'vmbr0'.\n"
                                                                                   '\n'
                                                                                   'If you do not '
                                                                                   'specify a '
                                                                                   'bridge, we '
                                                                                   'create a kvm '
                                                                                   'user (NATed) '
                                                                                   'network\n'
                                                                                   'device, which '
                                                                                   'provides DHCP '
                                                                                   'and DNS '
                                                                                   'services. The '
                                                                                   'following '
                                                                                   'addresses\n'
                                                                                   'are used:\n'
                                                                                   '\n'
                                                                                   ' 10.0.2.2   '
                                                                                   'Gateway\n'
                                                                                   ' 10.0.2.3   '
                                                                                   'DNS Server\n'
                                                                                   ' 10.0.2.4   '
                                                                                   'SMB Server\n'
                                                                                   '\n'
                                                                                   'The DHCP '
                                                                                   'server assign '
                                                                                   'addresses to '
                                                                                   'the guest '
                                                                                   'starting from '
                                                                                   '10.0.2.15.\n',
                                                                    'format': 'pve-bridge-id',
                                                                    'format_description': 'bridge',
                                                                    'optional': 1,
                                                                    'type': 'string'},
                                                         'e1000': {'alias': 'macaddr',
                                                                   'keyAlias': 'model'},
                                                         'e1000-82540em': {'alias': 'macaddr',
                                                                           'keyAlias': 'model'},
                                                         'e1000-82544gc': {'alias': 'macaddr',
                                                                           'keyAlias': 'model'},
                                                         'e1000-82545em': {'alias': 'macaddr',
                                                                           'keyAlias': 'model'},
                                                         'e1000e': {'alias': 'macaddr',
                                                                    'keyAlias': 'model'},
                                                         'firewall': {'description': 'Whether this '
                                                                                     'interface '
                                                                                     'should be '
                                                                                     'protected by '
                                                                                     'the '
                                                                                     'firewall.',
                                                                      'optional': 1,
                                                                      'type': 'boolean'},
                                                         'i82551': {'alias': 'macaddr',
                                                                    'keyAlias': 'model'},
                                                         'i82557b': {'alias': 'macaddr',
                                                                     'keyAlias': 'model'},
                                                         'i82559er': {'alias': 'macaddr',
                                                                      'keyAlias': 'model'},
                                                         'link_down': {'description': 'Whether '
                                                                                      'this '
                                                                                      'interface '
                                                                                      'should be '
                                                                                      'disconnected '
                                                                                      '(like '
                                                                                      'pulling the '
                                                                                      'plug).',
                                                                       'optional': 1,
                                                                       'type': 'boolean'},
                                                         'macaddr': {'description': 'MAC address. '
                                                                                    'That address '
                                                                                    'must be '
                                                                                    'unique within '
                                                                                    'your network. '
                                                                                    'This is '
                                                                                    'automatically '
                                                                                    'generated if '
                                                                                    'not '
                                                                                    'specified.',
                                                                     'format': 'mac-addr',
                                                                     'format_description': 'XX:XX:XX:XX:XX:XX',
                                                                     'optional': 1,
                                                                     'type': 'string',
                                                                     'verbose_description': 'A '
                                                                                            'common '
                                                                                            'MAC '
                                                                                            'address '
                                                                                            'with '
                                                                                            'the '
                                                                                            'I/G '
                                                                                            '(Individual/Group) '
                                                                                            'bit '
                                                                                            'not '
                                                                                            'set.'},
                                                         'model': {'default_key': 1,
                                                                   'description': 'Network Card '
                                                                                  'Model. The '
                                                                                  "'virtio' model "
                                                                                  'provides the '
                                                                                  'best '
                                                                                  'performance '
                                                                                  'with very low '
                                                                                  'CPU overhead. '
                                                                                  'If your guest '
                                                                                  'does not '
                                                                                  'support this '
                                                                                  'driver, it is '
                                                                                  'usually best to '
                                                                                  "use 'e1000'.",
                                                                   'enum': ['e1000',
                                                                            'e1000-82540em',
                                                                            'e1000-82544gc',
                                                                            'e1000-82545em',
                                                                            'e1000e',
                                                                            'i82551',
                                                                            'i82557b',
                                                                            'i82559er',
                                                                            'ne2k_isa',
                                                                            'ne2k_pci',
                                                                            'pcnet',
                                                                            'rtl8139',
                                                                            'virtio',
                                                                            'vmxnet3'],
                                                                   'type': 'string'},
                                                         'mtu': {'description': 'Force MTU of '
                                                                                'network device '
                                                                                '(VirtIO only). '
                                                                                "Setting to '1' or "
                                                                                'empty will use '
                                                                                'the bridge MTU',
                                                                 'maximum': 65520,
                                                                 'minimum': 1,
                                                                 'optional': 1,
                                                                 'type': 'integer'},
                                                         'ne2k_isa': {'alias': 'macaddr',
                                                                      'keyAlias': 'model'},
                                                         'ne2k_pci': {'alias': 'macaddr',
                                                                      'keyAlias': 'model'},
                                                         'pcnet': {'alias': 'macaddr',
                                                                   'keyAlias': 'model'},
                                                         'queues': {'description': 'Number of '
                                                                                   'packet queues '
                                                                                   'to be used on '
                                                                                   'the device.',
                                                                    'maximum': 64,
                                                                    'minimum': 0,
                                                                    'optional': 1,
                                                                    'type': 'integer'},
                                                         'rate': {'description': 'Rate limit in '
                                                                                 'mbps (megabytes '
                                                                                 'per second) as '
                                                                                 'floating point '
                                                                                 'number.',
                                                                  'minimum': 0,
                                                                  'optional': 1,
                                                                  'type': 'number'},
                                                         'rtl8139': {'alias': 'macaddr',
                                                                     'keyAlias': 'model'},
                                                         'tag': {'description': 'VLAN tag to apply '
                                                                                'to packets on '
                                                                                'this interface.',
                                                                 'maximum': 4094,
                                                                 'minimum': 1,
                                                                 'optional': 1,
                                                                 'type': 'integer'},
                                                         'trunks': {'description': 'VLAN trunks to '
                                                                                   'pass through '
                                                                                   'this '
                                                                                   'interface.',
                                                                    'format_description': 'vlanid[;vlanid...]',
                                                                    'optional': 1,
                                                                    'pattern': '(?^:\\d+(?:-\\d+)?(?:;\\d+(?:-\\d+)?)*)',
                                                                    'type': 'string'},
                                                         'virtio': {'alias': 'macaddr',
                                                                    'keyAlias': 'model'},
                                                         'vmxnet3': {'alias': 'macaddr',
                                                                     'keyAlias': 'model'}},
                                              'optional': 1,
                                              'type': 'string'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'revert': {'description': 'Revert a pending change.',
                                              'format': 'pve-configid-list',
                                              'optional': 1,
                                              'type': 'string'},
                                   'skiplock': {'description': 'Ignore locks - only root is '
                                                               'allowed to use this option.',
                                                'optional': 1,
                                                'type': 'boolean'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'optional': 1, 'type': 'string'}},
    ('/nodes/{node}/qemu/{vmid}/pending', 'GET'): {'name': 'vm_pending',
     'description': 'Get the virtual machine configuration with both current and pending values.',
     'permissions': {'check': ['perm', '/vms/{vmid}', ['VM.Audit']]},
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'items': {'properties': {'delete': {'description': 'Indicates a pending delete '
                                                                    'request if present and not 0. '
                                                                    'The value 2 indicates a '
                                                                    'force-delete request.',
                                                     'maximum': 2,
                                                     'minimum': 0,
                                                     'optional': 1,
                                                     'type': 'integer'},
                                          'key': {'description': 'Configuration option name.',
                                                  'type': 'string'},
                                          'pending': {'description': 'Pending value.',
                                                      'optional': 1,
                                                      'type': 'string'},
                                          'value': {'description': 'Current value.',
                                                    'optional': 1,
                                                    'type': 'string'}},
                           'type': 'object'},
                 'type': 'array'}},
    ('/nodes/{node}/qemu/{vmid}/status', 'GET'): {'name': 'vmcmdidx',
     'description': 'Directory index',
     'permissions': {'user': 'all'},
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'items': {'properties': {'subdir': {'type': 'string'}}, 'type': 'object'},
                 'links': [{'href': '{subdir}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/nodes/{node}/qemu/{vmid}/status/current', 'GET'): {'name': 'vm_status',
     'description': 'Get virtual machine status.',
     'permissions': {'check': ['perm', '/vms/{vmid}', ['VM.Audit']]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'properties': {'agent': {'description': 'QEMU Guest Agent is enabled in config.',
                                          'optional': 1,
                                          'type': 'boolean'},
                                'clipboard': {'description': 'Enable a specific clipboard. If not '
                                                             'set, depending on the display type '
                                                             'the SPICE one will be added.',
                                              'enum': ['vnc'],
                                              'optional': 1,
                                              'type': 'string'},
                                'cpu': {'description': 'Current CPU usage.',
                                        'optional': 1,
                                        'type': 'number'},
                                'cpus': {'description': 'Maximum usable CPUs.',
                                         'optional': 1,
                                         'type': 'number'},
                                'diskread': {'description': 'The amount of bytes the guest read '
                                                            "from it's block devices since the "
                                                            'guest was started. (Note: This info '
                                                            'is not available for all storage '
                                                            'types.)',
                                             'optional': 1,
                                             'renderer': 'bytes',
                                             'type': 'integer'},
                                'diskwrite': {'description': 'The amount of bytes the guest wrote '
                                                             "from it's block devices since the "
                                                             'guest was started. (Note: This info '
                                                             'is not available for all storage '
                                                             'types.)',
                                              'optional': 1,
                                              'renderer': 'bytes',
                                              'type': 'integer'},
                                'ha': {'description': 'HA manager service status.',
                                       'type': 'object'},
                                'lock': {'description': 'The current config lock, if any.',
                                         'optional': 1,
                                         'type': 'string'},
                                'maxdisk': {'description': 'Root disk size in bytes.',
                                            'optional': 1,
                                            'renderer': 'bytes',
                                            'type': 'integer'},
                                'maxmem': {'description': 'Maximum memory in bytes.',
                                           'optional': 1,
                                           'renderer': 'bytes',
                                           'type': 'integer'},
                                'mem': {'description': 'Currently used memory in bytes. Does not '
                                                       'take into account kernel same-page merging '
                                                       '(KSM). Uses information from ballooning '
                                                       'when available.',
                                        'optional': 1,
                                        'renderer': 'bytes',
                                        'type': 'integer'},
                                'memhost': {'description': 'Current memory usage on the host. Does '
                                                           'not take into account kernel same-page '
                                                           'merging (KSM).',
                                            'optional': 1,
                                            'renderer': 'bytes',
                                            'type': 'integer'},
                                'name': {'description': 'VM (host)name.',
                                         'optional': 1,
                                         'type': 'string'},
                                'netin': {'description': 'The amount of traffic in bytes that was '
                                                         'sent to the guest over the network since '
                                                         'it was started.',
                                          'optional': 1,
                                          'renderer': 'bytes',
                                          'type': 'integer'},
                                'netout': {'description': 'The amount of traffic in bytes that was '
                                                          'sent from the guest over the network '
                                                          'since it was started.',
                                           'optional': 1,
                                           'renderer': 'bytes',
                                           'type': 'integer'},
                                'pid': {'description': 'PID of the QEMU process, if the VM is '
                                                       'running.',
                                        'optional': 1,
                                        'type': 'integer'},
                                'pressurecpufull': {'description': 'CPU Full pressure stall '
                                                                   'average over the last 10 '
                                                                   'seconds.',
                                                    'optional': 1,
                                                    'type': 'number'},
                                'pressurecpusome': {'description': 'CPU Some pressure stall '
                                                                   'average over the last 10 '
                                                                   'seconds.',
                                                    'optional': 1,
                                                    'type': 'number'},
                                'pressureiofull': {'description': 'IO Full pressure stall average '
                                                                  'over the last 10 seconds.',
                                                   'optional': 1,
                                                   'type': 'number'},
                                'pressureiosome': {'description': 'IO Some pressure stall average '
                                                                  'over the last 10 seconds.',
                                                   'optional': 1,
                                                   'type': 'number'},
                                'pressurememoryfull': {'description': 'Memory Full pressure stall '
                                                                      'average over the last 10 '
                                                                      'seconds.',
                                                       'optional': 1,
                                                       'type': 'number'},
                                'pressurememorysome': {'description': 'Memory Some pressure stall '
                                                                      'average over the last 10 '
                                                                      'seconds.',
                                                       'optional': 1,
                                                       'type': 'number'},
                                'qmpstatus': {'description': "VM run state from the 'query-status' "
                                                             'QMP monitor command.',
                                              'optional': 1,
                                              'type': 'string'},
                                'running-machine': {'description': 'The currently running machine '
                                                                   'type (if running).',
                                                    'optional': 1,
                                                    'type': 'string'},
                                'running-qemu': {'description': 'The QEMU version the VM is '
                                                                'currently using (if running).',
                                                 'optional': 1,
                                                 'type': 'string'},
                                'serial': {'description': 'Guest has serial device configured.',
                                           'optional': 1,
                                           'type': 'boolean'},
                                'spice': {'description': 'QEMU VGA configuration supports spice.',
                                          'optional': 1,
                                          'type': 'boolean'},
                                'status': {'description': 'QEMU process status.',
                                           'enum': ['stopped', 'running'],
                                           'type': 'string'},
                                'tags': {'description': 'The current configured tags, if any',
                                         'optional': 1,
                                         'type': 'string'},
                                'template': {'default': 0,
                                             'description': 'Determines if the guest is a '
                                                            'template.',
                                             'optional': 1,
                                             'type': 'boolean'},
                                'uptime': {'description': 'Uptime in seconds.',
                                           'optional': 1,
                                           'renderer': 'duration',
                                           'type': 'integer'},
                                'vmid': {'description': 'The (unique) ID of the VM.',
                                         'format': 'pve-vmid',
                                         'maximum': 999999999,
                                         'minimum': 100,
                                         'type': 'integer'}},
                 'type': 'object'}},
    ('/nodes/{node}/qemu/{vmid}/status/start', 'POST'): {'name': 'vm_start',
     'description': 'Start virtual machine.',
     'permissions': {'check': ['perm', '/vms/{vmid}', ['VM.PowerMgmt']]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'force-cpu': {'description': "Override QEMU's -cpu argument "
                                                                'with the given string.',
                                                 'optional': 1,
                                                 'type': 'string'},
                                   'machine': {'description': 'Specify the QEMU machine.',
                                               'format': {'aw-bits': {'description': 'Specifies '
                                                                                     'the vIOMMU '
                                                                                     'address '
                                                                                     'space bit '
                                                                                     'width.',
                                                                      'maximum': 64,
                                                                      'minimum': 32,
                                                                      'optional': 1,
                                                                      'type': 'number',
                                                                      'verbose_description': 'Specifies '
                                                                                             'the '
                                                                                             'vIOMMU '
                                                                                             'address '
                                                                                             'space '
                                                                                             'bit '
                                                                                             'width.\n'
                                                                                             '\n'
                                                                                             'Intel '
                                                                                             'vIOMMU '
                                                                                             'supports '
                                                                                             'a '
                                                                                             'bit '
                                                                                             'width '
                                                                                             'of '
                                                                                             'either '
                                                                                             '39 '
                                                                                             'or '
                                                                                             '48 '
                                                                                             'bits '
                                                                                             'and '
                                                                                             'VirtIO '
                                                                                             'vIOMMU '
                                                                                             'supports '
                                                                                             'any '
                                                                                             'bit '
                                                                                             'width '
                                                                                             'between '
                                                                                             '32 '
                                                                                             'and '
                                                                                             '64 '
                                                                                             'bits.'},
                                                          'enable-s3': {'description': 'Enables S3 '
                                                                                       'power '
                                                                                       'state. '
                                                                                       'Defaults '
                                                                                       'to false '
                                                                                       'beginning '
                                                                                       'with '
                                                                                       'machine '
                                                                                       'types '
                                                                                       '9.2+pve1, '
                                                                                       'true '
                                                                                       'before.',
                                                                        'optional': 1,
                                                                        'type': 'boolean'},
                                                          'enable-s4': {'description': 'Enables S4 '
                                                                                       'power '
                                                                                       'state. '
                                                                                       'Defaults '
                                                                                       'to false '
                                                                                       'beginning '
                                                                                       'with '
                                                                                       'machine '
                                                                                       'types '
                                                                                       '9.2+pve1, '
                                                                                       'true '
                                                                                       'before.',
                                                                        'optional': 1,
                                                                        'type': 'boolean'},
                                                          'type': {'default_key': 1,
                                                                   'description': 'Specifies the '
                                                                                  'QEMU machine '
                                                                                  'type.',
                                                                   'format_description': 'machine '
                                                                                         'type',
                                                                   'maxLength': 40,
                                                                   'optional': 1,
                                                                   'pattern': '(pc|pc(-i440fx)?-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|q35|pc-q35-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|virt(?:-\\d+(\\.\\d+)+)?(\\+pve\\d+)?)',
                                                                   'type': 'string'},
                                                          'viommu': {'description': 'Enable and '
                                                                                    'set guest '
                                                                                    'vIOMMU '
                                                                                    'variant '
                                                                                    '(Intel vIOMMU '
                                                                                    'needs q35 to '
                                                                                    'be set as '
                                                                                    'machine '
                                                                                    'type).',
                                                                     'enum': ['intel', 'virtio'],
                                                                     'optional': 1,
                                                                     'type': 'string'}},
                                               'optional': 1,
                                               'type': 'string'},
                                   'migratedfrom': {'description': 'The cluster node name.',
                                                    'format': 'pve-node',
                                                    'optional': 1,
                                                    'type': 'string'},
                                   'migration_network': {'description': 'CIDR of the (sub) network '
                                                                        'that is used for '
                                                                        'migration.',
                                                         'format': 'CIDR',
                                                         'optional': 1,
                                                         'type': 'string'},
                                   'migration_type': {'description': 'Migration traffic is '
                                                                     'encrypted using an SSH '
                                                                     'tunnel by default. On '
                                                                     'secure, completely private '
                                                                     'networks this can be '
                                                                     'disabled to increase '
                                                                     'performance.',
                                                      'enum': ['secure', 'insecure'],
                                                      'optional': 1,
                                                      'type': 'string'},
                                   'nets-host-mtu': {'description': 'Used for migration compat. '
                                                                    'List of VirtIO network '
                                                                    'devices and their effective '
                                                                    'host_mtu setting according to '
                                                                    'the QEMU object model on the '
                                                                    'source side of the migration. '
                                                                    'A value of 0 means that the '
                                                                    'host_mtu parameter is to be '
                                                                    'avoided for the corresponding '
                                                                    'device.',
                                                     'optional': 1,
                                                     'pattern': 'net\\d+=\\d+(,net\\d+=\\d+)*',
                                                     'type': 'string'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'skiplock': {'description': 'Ignore locks - only root is '
                                                               'allowed to use this option.',
                                                'optional': 1,
                                                'type': 'boolean'},
                                   'stateuri': {'description': 'Some command save/restore state '
                                                               'from this location.',
                                                'maxLength': 128,
                                                'optional': 1,
                                                'type': 'string'},
                                   'targetstorage': {'description': 'Mapping from source to target '
                                                                    'storages. Providing only a '
                                                                    'single storage ID maps all '
                                                                    'source storages to that '
                                                                    'storage. Providing the '
                                                                    "special value '1' will map "
                                                                    'each source storage to '
                                                                    'itself.',
                                                     'format': 'storage-pair-list',
                                                     'optional': 1,
                                                     'type': 'string'},
                                   'timeout': {'default': 'max(30, vm memory in GiB)',
                                               'description': 'Wait maximal timeout seconds.',
                                               'minimum': 0,
                                               'optional': 1,
                                               'type': 'integer'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'},
                                   'with-conntrack-state': {'default': 0,
                                                            'description': 'Whether to migrate '
                                                                           'conntrack entries for '
                                                                           'running VMs.',
                                                            'optional': 1,
                                                            'type': 'boolean'}}},
     'returns': {'type': 'string'}},
    ('/nodes/{node}/qemu/{vmid}/status/stop', 'POST'): {'name': 'vm_stop',
     'description': ('Stop virtual machine. The qemu process will exit immediately. This is akin '
                     'to pulling the power plug of a running computer and may damage the VM data.'),
     'permissions': {'check': ['perm', '/vms/{vmid}', ['VM.PowerMgmt']]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'keepActive': {'default': 0,
                                                  'description': 'Do not deactivate storage '
                                                                 'volumes.',
                                                  'optional': 1,
                                                  'type': 'boolean'},
                                   'migratedfrom': {'description': 'The cluster node name.',
                                                    'format': 'pve-node',
                                                    'optional': 1,
                                                    'type': 'string'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'overrule-shutdown': {'default': 0,
                                                         'description': 'Try to abort active '
                                                                        "'qmshutdown' tasks before "
                                                                        'stopping.',
                                                         'optional': 1,
                                                         'type': 'boolean'},
                                   'skiplock': {'description': 'Ignore locks - only root is '
                                                               'allowed to use this option.',
                                                'optional': 1,
                                                'type': 'boolean'},
                                   'timeout': {'description': 'Wait maximal timeout seconds.',
                                               'minimum': 0,
                                               'optional': 1,
                                               'type': 'integer'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'type': 'string'}},
    ('/nodes/{node}/qemu/{vmid}/status/shutdown', 'POST'): {'name': 'vm_shutdown',
     'description': ('Shutdown virtual machine. This is similar to pressing the power button on a '
                     'physical machine. This will send an ACPI event for the guest OS, which '
                     'should then proceed to a clean shutdown.'),
     'permissions': {'check': ['perm', '/vms/{vmid}', ['VM.PowerMgmt']]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'forceStop': {'default': 0,
                                                 'description': 'Make sure the VM stops.',
                                                 'optional': 1,
                                                 'type': 'boolean'},
                                   'keepActive': {'default': 0,
                                                  'description': 'Do not deactivate storage '
                                                                 'volumes.',
                                                  'optional': 1,
                                                  'type': 'boolean'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'skiplock': {'description': 'Ignore locks - only root is '
                                                               'allowed to use this option.',
                                                'optional': 1,
                                                'type': 'boolean'},
                                   'timeout': {'description': 'Wait maximal timeout seconds.',
                                               'minimum': 0,
                                               'optional': 1,
                                               'type': 'integer'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'type': 'string'}},
    ('/nodes/{node}/qemu/{vmid}/status/reset', 'POST'): {'name': 'vm_reset',
     'description': 'Reset virtual machine.',
     'permissions': {'check': ['perm', '/vms/{vmid}', ['VM.PowerMgmt']]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'skiplock': {'description': 'Ignore locks - only root is '
                                                               'allowed to use this option.',
                                                'optional': 1,
                                                'type': 'boolean'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'type': 'string'}},
    ('/nodes/{node}/qemu/{vmid}/status/suspend', 'POST'): {'name': 'vm_suspend',
     'description': 'Suspend virtual machine.',
     'permissions': {'check': ['perm', '/vms/{vmid}', ['VM.PowerMgmt']],
                     'description': "You need 'VM.PowerMgmt' on /vms/{vmid}, and if you have set "
                                    "'todisk', you need also 'VM.Config.Disk' on /vms/{vmid} and "
                                    "'Datastore.AllocateSpace' on the storage for the vmstate."},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'skiplock': {'description': 'Ignore locks - only root is '
                                                               'allowed to use this option.',
                                                'optional': 1,
                                                'type': 'boolean'},
                                   'statestorage': {'description': 'The storage for the VM state',
                                                    'format': 'pve-storage-id',
                                                    'format_description': 'storage ID',
                                                    'optional': 1,
                                                    'requires': 'todisk',
                                                    'type': 'string'},
                                   'todisk': {'default': 0,
                                              'description': 'If set, suspends the VM to disk. '
                                                             'Will be resumed on next VM start.',
                                              'optional': 1,
                                              'type': 'boolean'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'type': 'string'}},
    ('/nodes/{node}/qemu/{vmid}/status/resume', 'POST'): {'name': 'vm_resume',
     'description': 'Resume virtual machine.',
     'permissions': {'check': ['perm', '/vms/{vmid}', ['VM.PowerMgmt']]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'nocheck': {'optional': 1, 'type': 'boolean'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'skiplock': {'description': 'Ignore locks - only root is '
                                                               'allowed to use this option.',
                                                'optional': 1,
                                                'type': 'boolean'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'type': 'string'}},
    ('/nodes/{node}/qemu/{vmid}/status/reboot', 'POST'): {'name': 'vm_reboot',
     'description': 'Reboot the VM by shutting it down, and starting it again. Applies pending '
                    'changes.',
     'permissions': {'check': ['perm', '/vms/{vmid}', ['VM.PowerMgmt']]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'timeout': {'description': 'Wait maximal timeout seconds for '
                                                              'the shutdown.',
                                               'minimum': 0,
                                               'optional': 1,
                                               'type': 'integer'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'type': 'string'}},
    ('/nodes/{node}/qemu/{vmid}/resize', 'PUT'): {'name': 'resize_vm',
     'description': 'Extend volume size.',
     'permissions': {'check': ['perm', '/vms/{vmid}', ['VM.Config.Disk']]},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'digest': {'description': 'Prevent changes if current '
                                                             'configuration file has different '
                                                             'SHA1 digest. This can be used to '
                                                             'prevent concurrent modifications.',
                                              'maxLength': 40,
                                              'optional': 1,
                                              'type': 'string'},
                                   'disk': {'description': 'The disk you want to resize.',
                                            'enum': ['ide0',
                                                     'ide1',
                                                     'ide2',
                                                     'ide3',
                                                     'scsi0',
                                                     'scsi1',
                                                     'scsi2',
                                                     'scsi3',
                                                     'scsi4',
                                                     'scsi5',
                                                     'scsi6',
                                                     'scsi7',
                                                     'scsi8',
                                                     'scsi9',
                                                     'scsi10',
                                                     'scsi11',
                                                     'scsi12',
                                                     'scsi13',
                                                     'scsi14',
                                                     'scsi15',
                                                     'scsi16',
                                                     'scsi17',
                                                     'scsi18',
                                                     'scsi19',
                                                     'scsi20',
                                                     'scsi21',
                                                     'scsi22',
                                                     'scsi23',
                                                     'scsi24',
                                                     'scsi25',
                                                     'scsi26',
                                                     'scsi27',
                                                     'scsi28',
                                                     'scsi29',
                                                     'scsi30',
                                                     'virtio0',
                                                     'virtio1',
                                                     'virtio2',
                                                     'virtio3',
                                                     'virtio4',
                                                     'virtio5',
                                                     'virtio6',
                                                     'virtio7',
                                                     'virtio8',
                                                     'virtio9',
                                                     'virtio10',
                                                     'virtio11',
                                                     'virtio12',
                                                     'virtio13',
                                                     'virtio14',
                                                     'virtio15',
                                                     'sata0',
                                                     'sata1',
                                                     'sata2',
                                                     'sata3',
                                                     'sata4',
                                                     'sata5',
                                                     'efidisk0',
                                                     'tpmstate0'],
                                            'type': 'string'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'size': {'description': 'The new size. With the `+` sign the '
                                                           'value is added to the actual size of '
                                                           'the volume and without it, the value '
                                                           'is taken as an absolute one. '
                                                           'Shrinking disk size is not supported.',
                                            'pattern': '\\+?\\d+(\\.\\d+)?[KMGT]?',
                                            'type': 'string'},
                                   'skiplock': {'description': 'Ignore locks - only root is '
                                                               'allowed to use this option.',
                                                'optional': 1,
                                                'type': 'boolean'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'description': 'the task ID.', 'type': 'string'}},
    ('/nodes/{node}/qemu/{vmid}/clone', 'POST'): {'name': 'clone_vm',
     'description': 'Create a copy of virtual machine/template.',
     'permissions': {'check': ['and',
                               ['perm', '/vms/{vmid}', ['VM.Clone']],
                               ['or',
                                ['perm', '/vms/{newid}', ['VM.Allocate']],
                                ['perm',
                                 '/pool/{pool}',
                                 ['VM.Allocate'],
                                 'require_param',
                                 'pool']]],
                     'description': "You need 'VM.Clone' permissions on /vms/{vmid}, and "
                                    "'VM.Allocate' permissions on /vms/{newid} (or on the VM pool "
                                    "/pool/{pool}). You also need 'Datastore.AllocateSpace' on "
                                    "any used storage and 'SDN.Use' on any used bridge/vnet"},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'bwlimit': {'default': 'clone limit from datacenter or storage '
                                                          'config',
                                               'description': 'Override I/O bandwidth limit (in '
                                                              'KiB/s).',
                                               'minimum': '0',
                                               'optional': 1,
                                               'type': 'integer'},
                                   'description': {'description': 'Description for the new VM.',
                                                   'optional': 1,
                                                   'type': 'string'},
                                   'format': {'description': 'Target format for file storage. '
                                                             'Only valid for full clone.',
                                              'enum': ['raw', 'qcow2', 'vmdk'],
                                              'optional': 1,
                                              'type': 'string'},
                                   'full': {'description': 'Create a full copy of all disks. This '
                                                           'is always done when you clone a '
                                                           'normal VM. For VM templates, we try '
                                                           'to create a linked clone by default.',
                                            'optional': 1,
                                            'type': 'boolean'},
                                   'name': {'description': 'Set a name for the new VM.',
                                            'format': 'dns-name',
                                            'optional': 1,
                                            'type': 'string'},
                                   'newid': {'description': 'VMID for the clone.',
                                             'format': 'pve-vmid',
                                             'maximum': 999999999,
                                             'minimum': 100,
                                             'type': 'integer'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'pool': {'description': 'Add the new VM to the specified pool.',
                                            'format': 'pve-poolid',
                                            'optional': 1,
                                            'type': 'string'},
                                   'snapname': {'description': 'The name of the snapshot.',
                                                'format': 'pve-configid',
                                                'maxLength': 40,
                                                'optional': 1,
                                                'type': 'string'},
                                   'storage': {'description': 'Target storage for full clone.',
                                               'format': 'pve-storage-id',
                                               'format_description': 'storage ID',
                                               'optional': 1,
                                               'type': 'string'},
                                   'target': {'description': 'Target node. Only allowed if the '
                                                             'original VM is on shared storage.',
                                              'format': 'pve-node',
                                              'optional': 1,
                                              'type': 'string'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'type': 'string'}},
    ('/nodes/{node}/qemu/{vmid}/monitor', 'POST'): {'name': 'monitor',
     'description': 'Execute QEMU monitor commands.',
     'permissions': {'check': ['perm', '/vms/{vmid}', ['Sys.Audit', 'Sys.Modify'], 'any', 1],
                     'description': 'The following commands do not require any additional '
                                    'privilege: ?, help, info\n'
                                    '\n'
                                    "The following commands require 'Sys.Modify': announce_self, "
                                    'backup_cancel, balloon, block_job_cancel, '
                                    'block_job_complete, block_job_pause, block_job_resume, '
                                    'block_job_set_speed, block_resize, block_set_io_throttle, '
                                    'boot_set, c, calc_dirty_rate, cancel_vcpu_dirty_limit, '
                                    'chardev-send-break, closefd, commit, cont, cpu, delvm, '
                                    'eject, exit_preconfig, expire_password, getfd, gpa2hpa, '
                                    'gpa2hva, gva2gpa, i, loadvm, log, migrate_cancel, '
                                    'migrate_continue, migrate_pause, migrate_set_capability, '
                                    'migrate_set_parameter, migrate_start_postcopy, mouse_button, '
                                    'mouse_move, mouse_set, one-insn-per-tb, p, print, q, '
                                    'qemu-io, qom-get, qom-list, quit, replay_break, '
                                    'replay_delete_break, replay_seek, ringbuf_read, '
                                    'ringbuf_write, s, savevm, sendkey, set_link, set_password, '
                                    'set_vcpu_dirty_limit, snapshot_blkdev_internal, '
                                    'snapshot_delete_blkdev_internal, stop, stopcapture, sum, '
                                    'sync-profile, system_powerdown, system_reset, system_wakeup, '
                                    'trace-event, x, x_colo_lost_heartbeat, xp\n'
                                    '\n'
                                    'The following commands are root-only: backup, block_stream, '
                                    'change, chardev-add, chardev-change, chardev-remove, '
                                    'client_migrate_info, device_add, device_del, drive_add, '
                                    'drive_backup, drive_del, drive_mirror, dump-guest-memory, '
                                    'dumpdtb, gdbserver, hostfwd_add, hostfwd_remove, logfile, '
                                    'mce, memsave, migrate, migrate_incoming, migrate_recover, '
                                    'nbd_server_add, nbd_server_remove, nbd_server_start, '
                                    'nbd_server_stop, netdev_add, netdev_del, nmi, o, object_add, '
                                    'object_del, pcie_aer_inject_error, pmemsave, qom-set, '
                                    'savevm-end, savevm-start, screendump, snapshot_blkdev, '
                                    'watchdog_action, wavcapture, xen-event-inject, '
                                    'xen-event-list\n'},
     'protected': 1,
     'proxyto': 'node',
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'command': {'description': 'The monitor command.',
                                               'type': 'string'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'type': 'integer'}}},
     'returns': {'type': 'string'}},
}


def _unfold(parameters, counts):
    props = parameters.get("properties") or {}
    for name in [n for n in props if n.endswith("[n]")]:
        prop = props.pop(name)
        base = name[:-3]
        for i in range(counts.get(base, 0)):
            props["%s%d" % (base, i)] = prop


def _counts():
    from pve.qemu.schema import API_PROPERTIES
    counts = {}
    for key in API_PROPERTIES:
        m = re.match(r"^([a-z]+)(\d+)$", key)
        if m:
            counts[m.group(1)] = max(counts.get(m.group(1), 0), int(m.group(2)) + 1)
    return counts


#: config keys (``name[n]``: the family) of create and update from the schema
CONFIG_KEYS = ('acpi', 'affinity', 'agent', 'allow-ksm', 'arch', 'args', 'audio0',
 'autostart', 'balloon', 'bios', 'bootdisk', 'cdrom', 'cipassword', 'citype',
 'ciupgrade', 'ciuser', 'cores', 'cpulimit', 'cpuunits', 'description',
 'efidisk0', 'freeze', 'hookscript', 'hotplug', 'hugepages', 'ide[n]',
 'ivshmem', 'keephugepages', 'keyboard', 'kvm', 'localtime', 'lock', 'machine',
 'memory', 'migrate_downtime', 'migrate_speed', 'name', 'nameserver', 'numa',
 'numa[n]', 'onboot', 'ostype', 'parallel[n]', 'protection', 'reboot',
 'sata[n]', 'scsi[n]', 'scsihw', 'searchdomain', 'serial[n]', 'shares', 'smp',
 'sockets', 'spice_enhancements', 'sshkeys', 'startdate', 'startup', 'tablet',
 'tags', 'tdf', 'template', 'tpmstate0', 'unused[n]', 'usb[n]', 'vcpus', 'vga',
 'virtio[n]', 'virtiofs[n]', 'vmgenid', 'vmstatestorage')

#: their typetext as apidata shows it
TYPETEXT = {'amd-sev': '[type=]<sev-type> [,allow-smt=<1|0>] [,kernel-hashes=<1|0>] '
            '[,no-debug=<1|0>] [,no-key-sharing=<1|0>]',
 'boot': '[[legacy=]<[acdn]{1,4}>] [,order=<device[;device...]>]',
 'cicustom': '[meta=<volume>] [,network=<volume>] [,user=<volume>] '
             '[,vendor=<volume>]',
 'cpu': '[[cputype=]<string>] [,flags=<+FLAG[;-FLAG...]>] '
        '[,guest-phys-bits=<integer>] [,hidden=<1|0>] '
        '[,hv-vendor-id=<vendor-id>] [,phys-bits=<8-64|host>] '
        '[,reported-model=<enum>]',
 'hostpci[n]': '[[host=]<HOSTPCIID[;HOSTPCIID2...]>] [,device-id=<hex id>] '
               '[,driver=<vfio|keep>] [,legacy-igd=<1|0>] '
               '[,mapping=<mapping-id>] [,mdev=<string>] [,pcie=<1|0>] '
               '[,rombar=<1|0>] [,romfile=<string>] [,sub-device-id=<hex id>] '
               '[,sub-vendor-id=<hex id>] [,vendor-id=<hex id>] '
               '[,x-vga=<1|0>]',
 'intel-tdx': '[type=]<tdx-type> ,attestation=<1|0> [,vsock-cid=<integer>] '
              '[,vsock-port=<integer>]',
 'ipconfig[n]': '[gw=<GatewayIPv4>] [,gw6=<GatewayIPv6>] '
                '[,ip=<IPv4Format/CIDR>] [,ip6=<IPv6Format/CIDR>]',
 'rng0': '[source=]</dev/urandom|/dev/random|/dev/hwrng> '
         '[,max_bytes=<integer>] [,period=<integer>]',
 'smbios1': '[base64=<1|0>] [,family=<Base64 encoded string>] '
            '[,manufacturer=<Base64 encoded string>] [,product=<Base64 '
            'encoded string>] [,serial=<Base64 encoded string>] [,sku=<Base64 '
            'encoded string>] [,uuid=<UUID>] [,version=<Base64 encoded '
            'string>]',
 'watchdog': '[[model=]<i6300esb|ib700>] [,action=<enum>]'}


def _config_properties():
    config = schema.properties(True)
    props = {}
    for name in CONFIG_KEYS + tuple(TYPETEXT):
        base = name[:-3] if name.endswith("[n]") else None
        keys = ([k for k in config if re.fullmatch(re.escape(base) + r"\d+", k)]
                if base else [name])
        for key in keys:
            props[key] = config[key]
            if name in TYPETEXT:
                props[key] = dict(config[key], typetext=TYPETEXT[name])
    return props


_COUNTS = _counts()
for _decl in DECLS.values():
    _unfold(_decl["parameters"], _COUNTS)
_CONFIG = _config_properties()
for _key in [('/nodes/{node}/qemu', 'POST'), ('/nodes/{node}/qemu/{vmid}/config', 'POST'), ('/nodes/{node}/qemu/{vmid}/config', 'PUT')]:
    DECLS[_key]["parameters"]["properties"].update(_CONFIG)
